"""The bot: settings, the engine loaded before commands are served, command sync, errors.

Two classes of the same bot, one connection (``CaseBot``) or sharded (``ShardedCaseBot``,
when DISCORD_SHARD_COUNT is set); ``make_bot`` picks one.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.discord_app.cog import NEED_MANAGER, CaseCog
from bot.discord_app.delivery import EXPIRED_CODES, describe_failure, tell
from bot.discord_app.views import MoreButton, SourcesButton
from bot.engine import Engine, assemble, open_engine
from bot.index import load_index
from bot.questions import MAX_DISCORD_QUESTION

log = logging.getLogger("casebot")

GENERIC_ERROR = "Sorry, something went wrong while answering. The error was logged; please try again."
BAD_INPUT = f"That input cannot be used: please keep questions under {MAX_DISCORD_QUESTION} characters."


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send discord.py's REST and gateway traffic elsewhere (a fake Discord in tests)."""
    import yarl
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    if api_base:
        Route.BASE = api_base.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def error_message(error: app_commands.AppCommandError) -> str | None:
    """What to tell the user about a failed command (None: nothing, the interaction expired)."""
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You are asking quickly: please wait {error.retry_after:.0f} s and try again."
    if isinstance(error, app_commands.MissingPermissions):
        return NEED_MANAGER
    if isinstance(error, app_commands.TransformerError):
        return BAD_INPUT
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use this command here."
    original = getattr(error, "original", error)
    if isinstance(original, discord.HTTPException) and original.code in EXPIRED_CODES:
        return None
    return GENERIC_ERROR


class CaseTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """One handler for every app command: a short answer to the user, the traceback to the log."""
        message = error_message(error)
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CommandOnCooldown):  # a line per command, refusals too
            log.info(
                "/%s user=%s guild=%s refused=cooldown retry_after=%.1f",
                interaction.command.name if interaction.command else "?",
                interaction.user.id,
                interaction.guild_id,
                error.retry_after,
            )
        if message is None:
            log.warning("an interaction expired before it was answered: %s", describe_failure(original))
            return  # Discord no longer takes anything for it
        if message == GENERIC_ERROR:
            log.error(
                "command %s failed:\n%s",
                interaction.command.name if interaction.command else "?",
                "".join(traceback.format_exception(type(original), original, original.__traceback__)),
            )
        await tell(interaction, message)


class _CaseBotMixin:
    """What both kinds of bot add to discord.py's: the engine, its reload, the commands."""

    engine: Engine
    settings: Settings
    sync_global: bool

    async def setup_hook(self) -> None:
        bot: Any = self  # a commands.Bot too (see the classes below)
        # Load (or build) the index off the event loop, and warm the model, before serving.
        self.engine = await asyncio.to_thread(open_engine, self.settings)
        await asyncio.to_thread(self.engine.embedder.embed, ["warm up"])
        if self.engine.index.warning:
            log.warning("%s", self.engine.index.warning)
        if self.engine.stale.stale:
            log.warning(
                "the index is stale (%s): run python -m bot.reindex, then /reload",
                self.engine.stale.describe(),
            )
        await bot.add_cog(CaseCog(bot))
        bot.add_dynamic_items(MoreButton, SourcesButton)
        if self.settings.discord_guild_id:
            guild = discord.Object(id=self.settings.discord_guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild.id)
        if self.sync_global:
            synced = await bot.tree.sync()
            log.info("synced %d global commands (they can take a while to appear)", len(synced))

    def reload_index(self) -> None:
        """Swap in the live index from disk; on failure the old engine stays (raises)."""
        embedder = self.engine.embedder
        index = load_index(self.settings.index_dir, model=embedder.name)
        self.engine = assemble(self.settings, embedder, index)

    async def on_ready(self) -> None:
        bot: Any = self
        log.info("ready as %s in %d guild(s)", bot.user, len(bot.guilds))


class CaseBot(_CaseBotMixin, commands.Bot):
    pass


class ShardedCaseBot(_CaseBotMixin, commands.AutoShardedBot):
    pass


def make_bot(settings: Settings, *, sync_global: bool = False) -> CaseBot | ShardedCaseBot:
    """The bot for these settings (sharded when DISCORD_SHARD_COUNT is set)."""
    discord.VoiceClient.warn_nacl = False  # the bot has no voice features: no warning about them
    discord.VoiceClient.warn_dave = False  # type: ignore[attr-defined]
    options: dict[str, Any] = {
        "command_prefix": commands.when_mentioned,
        "intents": discord.Intents(guilds=True),
        "allowed_mentions": discord.AllowedMentions.none(),
        "tree_cls": CaseTree,
        "guild_ready_timeout": settings.guild_ready_timeout,
        "help_command": None,
    }
    if settings.shard_count:
        options["shard_count"] = settings.shard_count
    bot = (ShardedCaseBot if settings.shard_count is not None else CaseBot)(**options)
    bot.settings = settings
    bot.sync_global = sync_global
    return bot


def serve(settings: Settings, *, sync_global: bool = False) -> int:
    """Run the bot until it is stopped; the exit status (errors: one line on stderr)."""
    import aiohttp

    from bot.cli import note
    from bot.embedding import ModelError
    from bot.engine import CorpusBroken
    from bot.index import IndexProblem

    discord.utils.setup_logging(level=logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_printable_record)  # corpus text in a log line never drives the terminal
    point_at(settings.discord_api_base, settings.discord_gateway_url)
    bot = make_bot(settings, sync_global=sync_global)

    async def run() -> None:
        async with bot:
            await bot.start(settings.discord_token)

    try:
        asyncio.run(run())
    except discord.LoginFailure:
        note("error: Discord refused DISCORD_TOKEN (401): check the token or reset it.")
        return 2
    except (CorpusBroken, IndexProblem, ModelError) as exc:
        note(f"error: {exc}")
        return 1
    except (TimeoutError, aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
        note(f"error: cannot reach Discord ({_one_line(exc)}): check the network and try again")
        return 1
    except (discord.HTTPException, discord.ConnectionClosed) as exc:
        note(f"error: Discord stopped the bot ({_one_line(exc)})")
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text[:300]}"


def _printable_record(record: logging.LogRecord) -> bool:
    """A logging filter: the message with its control characters escaped (bot.terminal)."""
    from bot.terminal import printable

    message = record.getMessage()
    record.msg, record.args = printable(message), None
    return True
