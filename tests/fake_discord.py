"""A fake Discord on 127.0.0.1 (REST and gateway, aiohttp) for end-to-end tests of the bot.

It speaks enough of Discord's API v10 for discord.py 2.7.1 to log in, sync commands, receive
interactions and answer them, and it enforces Discord's message limits, answering 400 (code
50035) as Discord would, so a reply that Discord would reject fails the test.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "900000000000000001"
BOT_ID = "900000000000000002"
GUILD_ID = "900000000000000003"
CHANNEL_ID = "900000000000000004"
OWNER_ID = "900000000000000005"
MANAGE_GUILD = 1 << 5
ALL_BUT_MANAGE = (1 << 41) - 1 & ~MANAGE_GUILD & ~(1 << 3)  # no Manage Server, no Administrator

# Discord's limits
CONTENT = 2000
EMBEDS = 10
TITLE = 256
DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FIELDS = 25
FOOTER = 2048
EMBED_TOTAL = 6000
ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID = 100
CHOICES = 25
ACK_SECONDS = 3.0


def _json(data: Any, status: int = 200) -> web.Response:
    # exactly "application/json": discord.py reads the body as text otherwise
    return web.Response(
        status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


def _rate_limited(seconds: float) -> web.Response:
    # discord.py treats a 429 without "Via" as a Cloudflare ban, as Discord's own 429s carry it
    response = _json({"message": "You are being rate limited.", "retry_after": seconds, "global": False}, 429)
    response.headers["Via"] = "1.1 google"
    response.headers["Retry-After"] = str(seconds)
    return response


def check_message(payload: dict[str, Any]) -> list[str]:
    """Every way this message breaks Discord's limits (empty when it is fine)."""
    problems = []
    content = payload.get("content") or ""
    if len(content) > CONTENT:
        problems.append(f"content {len(content)} > {CONTENT}")
    embeds = payload.get("embeds") or []
    if len(embeds) > EMBEDS:
        problems.append(f"{len(embeds)} embeds > {EMBEDS}")
    total = 0
    for e in embeds:
        title, description = e.get("title") or "", e.get("description") or ""
        footer = (e.get("footer") or {}).get("text") or ""
        fields = e.get("fields") or []
        if len(title) > TITLE:
            problems.append(f"embed title {len(title)} > {TITLE}")
        if len(description) > DESCRIPTION:
            problems.append(f"embed description {len(description)} > {DESCRIPTION}")
        if len(footer) > FOOTER:
            problems.append(f"footer {len(footer)} > {FOOTER}")
        if len(fields) > FIELDS:
            problems.append(f"{len(fields)} fields > {FIELDS}")
        for f in fields:
            if not f.get("name") or len(f["name"]) > FIELD_NAME:
                problems.append(f"field name {len(f.get('name') or '')} not in 1..{FIELD_NAME}")
            if not f.get("value") or len(f["value"]) > FIELD_VALUE:
                problems.append(f"field value {len(f.get('value') or '')} not in 1..{FIELD_VALUE}")
        total += (
            len(title)
            + len(description)
            + len(footer)
            + sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
        )
    if total > EMBED_TOTAL:
        problems.append(f"embeds total {total} > {EMBED_TOTAL}")
    rows = payload.get("components") or []
    if len(rows) > ROWS:
        problems.append(f"{len(rows)} component rows > {ROWS}")
    for row in rows:
        items = row.get("components") or []
        if len(items) > BUTTONS_PER_ROW:
            problems.append(f"{len(items)} buttons in a row > {BUTTONS_PER_ROW}")
        for item in items:
            if len(item.get("custom_id") or "") > CUSTOM_ID:
                problems.append(f"custom_id {len(item['custom_id'])} > {CUSTOM_ID}")
    choices = payload.get("choices")
    if choices is not None:
        if len(choices) > CHOICES:
            problems.append(f"{len(choices)} choices > {CHOICES}")
        for c in choices:
            if not 1 <= len(c.get("name", "")) <= 100 or len(str(c.get("value", ""))) > 100:
                problems.append("choice name or value out of 1..100")
    return problems


@dataclass
class Interaction:
    id: str
    token: str
    payload: dict[str, Any]
    sent_at: float
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    acked_at: float | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None
    rejected: list[str] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    token_expired: bool = False
    done_at: float | None = None

    def finish(self) -> None:
        if self.done_at is None:
            self.done_at = time.monotonic()
        self.done.set()

    def messages(self) -> list[dict[str, Any]]:
        """Everything the user was shown: the immediate reply, the edited original, follow-ups."""
        out = [c["data"] for c in self.callbacks if c.get("type") in (4, 7) and c.get("data")]
        if self.original:
            out.append(self.original)
        return out + self.followups


class FakeDiscord:
    def __init__(self, token: str = "fake-token") -> None:
        self.token = token
        self.port = 0
        self.runner: web.AppRunner | None = None
        self.sockets: list[web.WebSocketResponse] = []
        self.seq = itertools.count(1)
        self.ids = itertools.count(1_000_000_000_000_000_000)
        self.interactions: dict[str, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}
        self.command_puts: list[tuple[str, list[dict[str, Any]]]] = []
        self.commands: dict[str, dict[str, Any]] = {}
        self.identified = asyncio.Event()
        self.requests: list[str] = []
        # Fault injection: per route ("callback", "followup", "original"), the next requests'
        # fates in order: ("status", code) | ("ratelimit", seconds) | ("hang", seconds).
        self.faults: dict[str, list[tuple[str, float]]] = {}
        self.fault_log: list[tuple[str, str]] = []
        self.resumable = True  # whether a RESUME after a dropped connection is accepted
        self.resumes = 0
        self.identifies = 0

    # ------------------------------------------------------------ server

    async def start(self) -> None:
        app = web.Application()
        r = app.router
        r.add_get("/", self.gateway)
        r.add_get("/api/v10/users/@me", self.me)
        r.add_get("/api/v10/oauth2/applications/@me", self.application)
        r.add_get("/api/v10/gateway/bot", self.gateway_bot)
        r.add_get("/api/v10/gateway", self.gateway_bot)
        r.add_put("/api/v10/applications/{app}/commands", self.put_commands)
        r.add_put("/api/v10/applications/{app}/guilds/{guild}/commands", self.put_commands)
        r.add_post("/api/v10/interactions/{id}/{token}/callback", self.callback)
        r.add_post("/api/v10/webhooks/{app}/{token}", self.followup)
        r.add_route("*", "/api/v10/webhooks/{app}/{token}/messages/{message}", self.webhook_message)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self.runner:
            await self.runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bot {self.token}"

    # ------------------------------------------------------------ faults

    def inject(self, route: str, *fates: tuple[str, float]) -> None:
        """Make the next requests to ``route`` fail, one fate per request."""
        self.faults.setdefault(route, []).extend(fates)

    async def _fault(self, route: str) -> web.Response | None:
        queue = self.faults.get(route)
        if not queue:
            return None
        kind, value = queue.pop(0)
        self.fault_log.append((route, f"{kind} {value}"))
        if kind == "ratelimit":
            return _rate_limited(value)
        if kind == "hang":  # a request that never gets an answer in time (the client gives up)
            await asyncio.sleep(value)
            return _error(504, 0, "Gateway Timeout")
        return _error(int(value), 0, f"{int(value)}: injected fault")

    async def drop_gateway(self, *, resumable: bool = True) -> None:
        """Close every gateway connection as a network fault would (close code 4000)."""
        self.resumable = resumable
        self.identified.clear()
        for ws in list(self.sockets):
            await ws.close(code=4000, message=b"Unknown error")

    # ------------------------------------------------------------ REST

    async def me(self, request: web.Request) -> web.Response:
        self.requests.append("GET /users/@me")
        if not self._authorised(request):
            return _error(401, 0, "401: Unauthorized")
        return _json(self._bot_user())

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "username": "casebot",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
            "global_name": None,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
        }

    async def application(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, 0, "401: Unauthorized")
        owner = {
            "id": OWNER_ID,
            "username": "owner",
            "discriminator": "0",
            "avatar": None,
            "global_name": None,
        }
        return _json(
            {
                "id": APP_ID,
                "name": "casebot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "00",
                "flags": 0,
                "team": None,
                "summary": "",
            }
        )

    async def gateway_bot(self, request: web.Request) -> web.Response:
        return _json(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def put_commands(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, 0, "401: Unauthorized")
        body = await request.json()
        guild = request.match_info.get("guild")
        self.command_puts.append((guild or "global", body))
        echoed = []
        for cmd in body:
            stored = {**cmd, "id": str(next(self.ids)), "application_id": APP_ID, "version": "1"}
            if guild:
                stored["guild_id"] = guild
            self.commands[cmd["name"]] = stored
            echoed.append(stored)
        return _json(echoed)

    async def callback(self, request: web.Request) -> web.Response:
        inter = self.interactions.get(request.match_info["id"])
        if inter is None or inter.token != request.match_info["token"]:
            return _error(404, 10062, "Unknown interaction")
        fault = await self._fault("callback")
        if fault is not None:
            return fault
        if time.monotonic() - inter.sent_at > ACK_SECONDS:
            inter.rejected.append("acknowledged after 3 s")
            return _error(404, 10062, "Unknown interaction")
        if inter.callbacks:
            inter.rejected.append("acknowledged twice")
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = await request.json()
        data = body.get("data") or {}
        problems = check_message(data)
        if problems:
            inter.rejected.extend(problems)
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        inter.callbacks.append(body)
        inter.acked_at = time.monotonic()
        if body.get("type") in (4, 7, 8):  # a reply, an update or autocomplete: the answer is complete
            inter.finish()
        flags = data.get("flags") or 0
        return _json(
            {
                "interaction": {
                    "id": inter.id,
                    "type": inter.payload["type"],
                    "response_message_loading": body.get("type") == 5,
                    "response_message_ephemeral": bool(flags & 64),
                }
            }
        )

    def _message(self, inter: Interaction, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(next(self.ids)),
            "channel_id": CHANNEL_ID,
            "type": 19,
            "content": data.get("content") or "",
            "author": {**self._bot_user()},
            "embeds": data.get("embeds") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": "2026-11-30T00:00:00+00:00",
            "edited_timestamp": None,
            "flags": data.get("flags") or 0,
            "components": data.get("components") or [],
            "webhook_id": APP_ID,
            "application_id": APP_ID,
            "allowed_mentions": data.get("allowed_mentions"),
            "interaction_id": inter.id,
        }

    async def _webhook_for(self, request: web.Request, route: str) -> Interaction | web.Response:
        """The interaction a webhook request is for, or the error (or injected fault) to answer."""
        inter = self.by_token.get(request.match_info["token"])
        if inter is None:
            return _error(404, 10015, "Unknown Webhook")
        if inter.token_expired:  # Discord's interaction tokens last 15 minutes
            inter.rejected.append("used an expired interaction token")
            return _error(401, 50027, "Invalid Webhook Token")
        fault = await self._fault(route)
        return inter if fault is None else fault

    async def followup(self, request: web.Request) -> web.Response:
        inter = await self._webhook_for(request, "followup")
        if isinstance(inter, web.Response):
            return inter
        data = await request.json()
        problems = check_message(data)
        if problems:
            inter.rejected.extend(problems)
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        message = self._message(inter, data)
        inter.followups.append(message)
        inter.finish()
        return _json(message)

    async def webhook_message(self, request: web.Request) -> web.Response:
        inter = await self._webhook_for(request, "original")
        if isinstance(inter, web.Response):
            return inter
        if request.method == "GET":
            return _json(inter.original or self._message(inter, {}))
        if request.method == "DELETE":
            inter.original = None
            return web.Response(status=204)
        data = await request.json()
        problems = check_message(data)
        if problems:
            inter.rejected.extend(problems)
            return _error(400, 50035, "Invalid Form Body: " + "; ".join(problems))
        inter.original = self._message(inter, data)
        inter.finish()
        return _json(inter.original)

    # ------------------------------------------------------------ gateway

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            op = data.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif op == 2:
                self.identifies += 1
                if data["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                await self._dispatch(
                    ws,
                    "READY",
                    {
                        "v": 10,
                        "user": self._bot_user(),
                        "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": "fake-session",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": APP_ID, "flags": 0},
                        "shard": data["d"].get("shard", [0, 1]),
                        "private_channels": [],
                        "relationships": [],
                        "presences": [],
                        "guild_join_requests": [],
                    },
                )
                await self._dispatch(ws, "GUILD_CREATE", self._guild())
                self.identified.set()
            elif op == 6:
                self.resumes += 1
                if self.resumable:
                    await self._dispatch(ws, "RESUMED", {})
                    self.identified.set()
                else:  # the session is gone: the client must identify afresh
                    await ws.send_str(json.dumps({"op": 9, "d": False, "s": None, "t": None}))
        if ws in self.sockets:
            self.sockets.remove(ws)
        return ws

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self.seq), "d": data}))

    def _guild(self) -> dict[str, Any]:
        everyone = {
            "id": GUILD_ID,
            "name": "@everyone",
            "permissions": "0",
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        channel = {
            "id": CHANNEL_ID,
            "type": 0,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "guild_id": GUILD_ID,
        }
        return {
            "id": GUILD_ID,
            "name": "Test server",
            "icon": None,
            "owner_id": OWNER_ID,
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 3,
            "members": [],
            "channels": [channel],
            "threads": [],
            "large": False,
            "unavailable": False,
            "joined_at": "2026-11-30T00:00:00+00:00",
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "system_channel_flags": 0,
            "afk_timeout": 300,
            "afk_channel_id": None,
            "application_id": None,
            "description": None,
            "banner": None,
            "splash": None,
            "discovery_splash": None,
            "vanity_url_code": None,
            "premium_subscription_count": 0,
            "max_members": 1000,
            "widget_enabled": False,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "system_channel_id": None,
        }

    # ------------------------------------------------------------ driving the bot

    def _member(self, user_id: str, permissions: int) -> dict[str, Any]:
        user = {
            "id": user_id,
            "username": f"user{user_id[-4:]}",
            "discriminator": "0",
            "avatar": None,
            "global_name": None,
        }
        return {
            "user": user,
            "roles": [],
            "joined_at": "2026-11-30T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "permissions": str(permissions),
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }

    async def interact(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user_id: str = "800000000000000001",
        permissions: int = ALL_BUT_MANAGE,
        message: dict[str, Any] | None = None,
        age: float = 0.0,
        token_expired: bool = False,
    ) -> Interaction:
        """Send an INTERACTION_CREATE to the bot (kind 2: command, 3: button, 4: autocomplete).

        ``age`` seconds already gone (past 3 s the bot can no longer acknowledge it);
        ``token_expired``: its webhook token is refused, as 15 minutes after it was created.
        """
        if not self.sockets:
            raise RuntimeError("the bot is not connected")
        inter_id = str(next(self.ids))
        token = f"tok{inter_id}"
        payload = {
            "id": inter_id,
            "application_id": APP_ID,
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "guild_id": GUILD_ID,
            "channel_id": CHANNEL_ID,
            "channel": {
                "id": CHANNEL_ID,
                "type": 0,
                "guild_id": GUILD_ID,
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            },
            "member": self._member(user_id, permissions),
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": str((1 << 41) - 1),
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
            "attachment_size_limit": 8388608,
        }
        if message is not None:
            payload["message"] = message
        inter = Interaction(
            id=inter_id,
            token=token,
            payload=payload,
            sent_at=time.monotonic() - age,
            token_expired=token_expired,
        )
        self.interactions[inter_id] = inter
        self.by_token[token] = inter
        await self._dispatch(self.sockets[-1], "INTERACTION_CREATE", payload)
        return inter

    async def command(self, name: str, options: dict[str, Any] | None = None, **kw: Any) -> Interaction:
        cmd = self.commands.get(name)
        if cmd is None:
            raise KeyError(f"command {name} was never synced")
        opts = [{"name": k, "type": _option_type(cmd, k), "value": v} for k, v in (options or {}).items()]
        data = {"id": cmd["id"], "name": name, "type": 1, "options": opts, "guild_id": GUILD_ID}
        return await self.interact(2, data, **kw)

    async def autocomplete(self, name: str, option: str, typed: str, **kw: Any) -> Interaction:
        cmd = self.commands[name]
        opts = [{"name": option, "type": 3, "value": typed, "focused": True}]
        return await self.interact(4, {"id": cmd["id"], "name": name, "type": 1, "options": opts}, **kw)

    async def click(self, message: dict[str, Any], custom_id: str, **kw: Any) -> Interaction:
        return await self.interact(3, {"custom_id": custom_id, "component_type": 2}, message=message, **kw)


def _option_type(command: dict[str, Any], name: str) -> int:
    for option in command.get("options") or []:
        if option["name"] == name:
            return int(option["type"])
    raise KeyError(f"/{command['name']} has no option {name}")


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for row in message.get("components") or [] for item in row.get("components") or []]
