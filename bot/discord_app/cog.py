"""The slash commands: /ask, /quote, /sources, /reload, and the "More" button."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.replies import (
    EmbedSpec,
    ReplySpec,
    ask_reply,
    clip,
    quote_reply,
    sources_reply,
)
from bot.retrieval import clean_question
from bot.store import IndexError_

if TYPE_CHECKING:
    from bot.discord_app.client import CaseBot

log = logging.getLogger("casebot")

PER_PAGE = 3
MAX_QUESTION = 300  # Discord enforces it on the option; long text gets a one-line answer anyway
PENDING_LIMIT = 2000  # "More" buttons remembered (oldest forgotten first)
MORE_EXPIRED = "This button has expired: please ask again with /ask."
NOT_YOURS = "Only the person who asked can page through this answer."
NEED_MANAGER = "Only members with the Manage Server permission can use /reload."
NOT_DELIVERED = (
    "Sorry: Discord did not accept the answer in time, so it could not be shown. Please ask again."
)
ACK_SECONDS = 3.0  # Discord drops an interaction not acknowledged within 3 s
EXPIRED_CODES = {10062, 10015, 50027}  # unknown interaction, unknown webhook, invalid webhook token
SEND_ERRORS = (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError, OSError)


def describe_failure(exc: BaseException) -> str:
    """A one-line account of a failed call to Discord (for the log)."""
    if isinstance(exc, asyncio.TimeoutError):
        return "no answer from Discord in time"
    if isinstance(exc, discord.HTTPException):
        expired = " (the interaction expired)" if exc.code in EXPIRED_CODES else ""
        return f"HTTP {exc.status}, code {exc.code}: {exc.text[:200]}{expired}"
    return f"{type(exc).__name__}: {exc}"


async def acknowledge(interaction: discord.Interaction, *, ephemeral: bool) -> bool:
    """Show "thinking..." within Discord's 3 s; False (and a log line) when that failed."""
    try:
        await asyncio.wait_for(interaction.response.defer(thinking=True, ephemeral=ephemeral), ACK_SECONDS)
    except SEND_ERRORS as exc:
        log.warning("could not acknowledge an interaction: %s", describe_failure(exc))
        return False
    return True


async def deliver(interaction: discord.Interaction, timeout: float, **kwargs: object) -> bool:
    """Send the answer after "thinking..."; if Discord will not take it, say so in its place.

    discord.py already retries 429 (after retry-after) and 5xx; this bounds the whole wait,
    so that no question is left "thinking..." until Discord gives up on it.
    """
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    try:
        await asyncio.wait_for(interaction.followup.send(**kwargs, wait=True), timeout)  # type: ignore[arg-type]
        return True
    except SEND_ERRORS as exc:
        log.warning("could not send an answer: %s", describe_failure(exc))
    try:
        await asyncio.wait_for(
            interaction.edit_original_response(
                content=NOT_DELIVERED, embeds=[], view=None, allowed_mentions=discord.AllowedMentions.none()
            ),
            timeout,
        )
    except SEND_ERRORS as exc:
        log.warning("could not tell the user either: %s", describe_failure(exc))
    return False


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"casebot:more:(?P<key>[0-9a-f]{16}):(?P<page>\d{1,3})",
):
    """Next page of passages for the person who asked; its state lives in the custom_id."""

    def __init__(self, key: str, page: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="More", style=discord.ButtonStyle.secondary, custom_id=f"casebot:more:{key}:{page}"
            )
        )
        self.key = key
        self.page = page

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: object
    ) -> MoreButton:
        groups = match.groupdict()  # type: ignore[attr-defined]
        return cls(groups["key"], int(groups["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        cog = interaction.client.get_cog("CaseCog")  # type: ignore[attr-defined]
        await cog.more(interaction, self.key, self.page)


def _cooldown(interaction: discord.Interaction) -> app_commands.Cooldown:
    settings = interaction.client.settings  # type: ignore[attr-defined]
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


def render(spec: ReplySpec, *, more: MoreButton | None = None) -> dict:
    """The keyword arguments for send(): embeds, link buttons, "More", and no mentions."""
    view = discord.ui.View(timeout=None)
    if more is not None and spec.more:
        view.add_item(more)
    for label, url in spec.links:
        view.add_item(discord.ui.Button(label=label, url=url, style=discord.ButtonStyle.link))
    kwargs: dict = {
        "content": spec.content,
        "embeds": [_embed(e) for e in spec.embeds],
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if view.children:
        kwargs["view"] = view
    return kwargs


def _embed(spec: EmbedSpec) -> discord.Embed:
    embed = discord.Embed(title=spec.title, description=spec.description, url=spec.url, color=0x2B6CB0)
    for name, value in spec.fields:
        embed.add_field(name=name, value=value, inline=True)
    if spec.footer:
        embed.set_footer(text=spec.footer)
    return embed


class CaseCog(commands.Cog, name="CaseCog"):
    def __init__(self, bot: CaseBot) -> None:
        self.bot = bot
        self.pending: OrderedDict[str, tuple[str, int, bool]] = OrderedDict()

    # ------------------------------------------------------------ helpers

    def footer(self) -> str:
        index = self.bot.engine.index
        n = len(index.articles)
        return (
            f"Quoted from {n} source article{'s' if n != 1 else ''} \u00b7 index built {index.built_at[:10]}"
        )

    def remember(self, question: str, user_id: int, private: bool) -> str:
        key = secrets.token_hex(8)
        self.pending[key] = (question, user_id, private)
        while len(self.pending) > PENDING_LIMIT:
            self.pending.popitem(last=False)
        return key

    async def send(self, interaction: discord.Interaction, **kwargs: object) -> bool:
        return await deliver(interaction, self.bot.settings.send_timeout, **kwargs)

    @staticmethod
    def _log(command: str, interaction: discord.Interaction, started: float, **facts: object) -> None:
        extra = " ".join(f"{k}={v}" for k, v in facts.items())
        log.info(
            "/%s user=%s guild=%s %s latency_ms=%.0f",
            command,
            interaction.user.id,
            interaction.guild_id,
            extra,
            (time.perf_counter() - started) * 1000,
        )

    # ------------------------------------------------------------ commands

    @app_commands.command(
        name="ask", description="Ask about the Johnson case; the answer quotes the sources."
    )
    @app_commands.describe(question="Your question about the case", private="Only you see the answer")
    @app_commands.checks.dynamic_cooldown(_cooldown)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        private: bool = False,
    ) -> None:
        started = time.perf_counter()
        if not await acknowledge(interaction, ephemeral=private):
            return
        _, notice = clean_question(question, limit=MAX_QUESTION)
        if notice:  # Discord enforces the length, but a client may not: answer in one line
            await self.send(interaction, content=notice, ephemeral=True)
            self._log("ask", interaction, started, refused="input")
            return
        retriever = self.bot.engine.retriever
        answer = await asyncio.to_thread(retriever.ask, question, PER_PAGE + 1)
        spec = ask_reply(answer, footer=self.footer(), page=0, per_page=PER_PAGE)
        more = MoreButton(self.remember(question, interaction.user.id, private), 1) if spec.more else None
        sent = await self.send(interaction, **render(spec, more=more), ephemeral=private)
        self._log("ask", interaction, started, answered=answer.answered, hits=len(spec.embeds), sent=sent)

    async def more(self, interaction: discord.Interaction, key: str, page: int) -> None:
        started = time.perf_counter()
        remembered = self.pending.get(key)
        if remembered is None:
            await interaction.response.send_message(MORE_EXPIRED, ephemeral=True)
            return
        question, owner, _private = remembered
        if interaction.user.id != owner:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        if not await acknowledge(interaction, ephemeral=True):
            return
        k = PER_PAGE * (page + 1) + 1
        answer = await asyncio.to_thread(self.bot.engine.retriever.ask, question, k)
        spec = ask_reply(answer, footer=self.footer(), page=page, per_page=PER_PAGE)
        more = MoreButton(key, page + 1) if spec.more else None
        sent = await self.send(interaction, **render(spec, more=more), ephemeral=True)
        self._log("ask-more", interaction, started, page=page, hits=len(spec.embeds), sent=sent)

    @app_commands.command(name="quote", description="Direct quotations from the sources: who said what.")
    @app_commands.describe(
        query="What the quotation is about (optional)",
        speaker="Only this speaker's quotations (optional)",
        private="Only you see the answer",
    )
    @app_commands.checks.dynamic_cooldown(_cooldown)
    async def quote(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, MAX_QUESTION] | None = None,
        speaker: app_commands.Range[str, 1, 100] | None = None,
        private: bool = False,
    ) -> None:
        started = time.perf_counter()
        if not await acknowledge(interaction, ephemeral=private):
            return
        quotes = self.bot.engine.quotes
        notice = clean_question(query, noun="search", limit=MAX_QUESTION)[1] if query else None
        if notice:
            await self.send(interaction, content=notice, ephemeral=True)
            self._log("quote", interaction, started, refused="input")
            return
        if query:
            result = await asyncio.to_thread(quotes.search, query, speaker=speaker, k=5)
        elif speaker:
            result = await asyncio.to_thread(quotes.by_speaker, speaker)
        else:
            result = None
        if result is None:
            spec = ReplySpec(
                content="Give a topic (query), a speaker, or both; for example /quote speaker:judge"
            )
        else:
            spec = quote_reply(result, footer=self.footer())
        sent = await self.send(interaction, **render(spec), ephemeral=private)
        self._log("quote", interaction, started, quotes=len(spec.embeds), sent=sent)

    @quote.autocomplete("speaker")
    async def speaker_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.casefold().strip()
        choices = []
        for name, count in self.bot.engine.quotes.speakers():
            if wanted in name.casefold():
                label = clip(f"{name} ({count})", 100)
                choices.append(app_commands.Choice(name=label, value=clip(name, 100)))
            if len(choices) == 25:
                break
        return choices

    @app_commands.command(name="sources", description="The articles this bot quotes from.")
    async def sources(self, interaction: discord.Interaction) -> None:
        started = time.perf_counter()
        spec = sources_reply(list(self.bot.engine.index.articles.values()), footer=self.footer())
        await interaction.response.send_message(**render(spec))
        self._log("sources", interaction, started)

    @app_commands.command(
        name="reload", description="Load the newest index without a restart (server managers)."
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reload(self, interaction: discord.Interaction) -> None:
        started = time.perf_counter()
        if not interaction.permissions.manage_guild:  # Discord checks too; never trust it alone
            await interaction.response.send_message(NEED_MANAGER, ephemeral=True)
            self._log("reload", interaction, started, refused=True)
            return
        if not await acknowledge(interaction, ephemeral=True):
            return
        old = self.bot.engine.index
        try:
            await asyncio.to_thread(self.bot.reload_index)
        except IndexError_ as exc:
            message = (
                f"The new index could not be loaded, so the bot keeps the index built {old.built_at}: {exc}"
            )
            ok = False
        else:
            new = self.bot.engine.index
            message = (
                f"Loaded the index built {new.built_at}: {len(new.articles)} articles, "
                f"{len(new.passages)} passages, {len(new.quotations)} quotations."
            )
            ok = True
        await self.send(interaction, content=clip(message, 2000), ephemeral=True)
        self._log("reload", interaction, started, loaded=ok)
