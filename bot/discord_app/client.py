"""The bot: settings, the engine loaded before commands are served, command sync, errors."""

from __future__ import annotations

import asyncio
import logging
import traceback

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.discord_app.cog import EXPIRED_CODES, NEED_MANAGER, CaseCog, MoreButton, describe_failure
from bot.engine import Engine, assemble, open_engine
from bot.store import load_index

log = logging.getLogger("casebot")

GENERIC_ERROR = "Sorry, something went wrong while answering. The error was logged; please try again."


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send discord.py's REST and gateway traffic elsewhere (a fake Discord in tests)."""
    import yarl

    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class CaseTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """One handler for every app command: a short answer to the user, the traceback to the log."""
        if isinstance(error, app_commands.CommandOnCooldown):
            message = f"You are asking quickly: please wait {error.retry_after:.0f} s and try again."
        elif isinstance(error, app_commands.MissingPermissions):
            message = NEED_MANAGER
        elif isinstance(error, app_commands.TransformerError):
            message = "That input cannot be used: please keep questions under 300 characters."
        elif isinstance(error, app_commands.CheckFailure):
            message = "You cannot use this command here."
        else:
            message = GENERIC_ERROR
            original = getattr(error, "original", error)
            if isinstance(original, discord.HTTPException) and original.code in EXPIRED_CODES:
                log.warning("an interaction expired before it was answered: %s", describe_failure(original))
                return  # Discord no longer takes anything for it
            log.error(
                "command %s failed:\n%s",
                interaction.command.name if interaction.command else "?",
                "".join(traceback.format_exception(type(original), original, original.__traceback__)),
            )
        try:
            if interaction.response.is_done():
                await interaction.followup.send(
                    message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
                )
            else:
                await interaction.response.send_message(
                    message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
                )
        except discord.HTTPException as exc:
            log.warning("could not tell the user about an error: %s", describe_failure(exc))


def make_bot(settings: Settings, *, sync_global: bool = False) -> commands.Bot:
    """The bot for these settings (sharded when DISCORD_SHARD_COUNT is set)."""
    discord.VoiceClient.warn_nacl = False  # the bot has no voice features: no warning about them
    discord.VoiceClient.warn_dave = False
    base = commands.AutoShardedBot if settings.shard_count is not None else commands.Bot
    options: dict = {}
    if settings.shard_count:
        options["shard_count"] = settings.shard_count

    class CaseBot(base):  # type: ignore[valid-type, misc]
        engine: Engine

        def __init__(self) -> None:
            super().__init__(
                command_prefix=commands.when_mentioned,
                intents=discord.Intents(guilds=True),
                allowed_mentions=discord.AllowedMentions.none(),
                tree_cls=CaseTree,
                guild_ready_timeout=settings.guild_ready_timeout,
                help_command=None,
                **options,
            )
            self.settings = settings
            self.sync_global = sync_global

        async def setup_hook(self) -> None:
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
            await self.add_cog(CaseCog(self))
            self.add_dynamic_items(MoreButton)
            if self.settings.discord_guild_id:
                guild = discord.Object(id=self.settings.discord_guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild.id)
            if self.sync_global:
                synced = await self.tree.sync()
                log.info("synced %d global commands (they can take a while to appear)", len(synced))

        def reload_index(self) -> None:
            """Swap in the live index from disk; on failure the old engine stays (raises)."""
            embedder = self.engine.embedder
            index = load_index(self.settings.index_dir, model=embedder.name)
            self.engine = assemble(self.settings, embedder, index)

        async def on_ready(self) -> None:
            log.info("ready as %s in %d guild(s)", self.user, len(self.guilds))

    return CaseBot()
