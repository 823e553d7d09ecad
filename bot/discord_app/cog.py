"""The slash commands: /ask, /quote, /sources, /reload, and the pages behind "More".

The cog knows its bot only as a ``Host`` (an engine, the settings, a way to reload the index),
so that it can be tested in-process with a stand-in, and so that it never imports the client.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict
from typing import Protocol

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.discord_app.delivery import acknowledge, deliver
from bot.discord_app.views import MoreButton, SourcesButton, render
from bot.engine import Engine
from bot.index import IndexProblem
from bot.questions import EXAMPLE_QUERY, MAX_DISCORD_QUESTION, Question, make_question
from bot.replies import ReplySpec, ask_reply, clip, quote_reply, sources_reply
from bot.source_choice import source_choices, sources_listing

log = logging.getLogger("casebot")

PER_PAGE = 3
PENDING_LIMIT = 2000  # "More" buttons remembered (oldest forgotten first)
MORE_EXPIRED = "This button has expired: please ask again with /ask."
NOT_YOURS = "Only the person who asked can page through this answer."
NEED_MANAGER = "Only members with the Manage Server permission can use /reload."
NO_QUOTE_ARGS = "Give a topic (query), a speaker, or both; for example /quote speaker:judge"


class Host(Protocol):
    """What the cog needs of its bot."""

    engine: Engine
    settings: Settings

    def reload_index(self) -> None: ...


def _cooldown(interaction: discord.Interaction) -> app_commands.Cooldown:
    settings: Settings = interaction.client.settings  # type: ignore[attr-defined]
    return app_commands.Cooldown(settings.cooldown_rate, settings.cooldown_seconds)


class CaseCog(commands.Cog, name="CaseCog"):
    def __init__(self, bot: Host) -> None:
        self.bot = bot
        self.pending: OrderedDict[str, tuple[Question, int, bool, frozenset[str] | None]] = OrderedDict()

    # ------------------------------------------------------------ helpers

    def footer(self) -> str:
        index = self.bot.engine.index
        n = len(index.articles)
        return (
            f"Quoted from {n} source article{'s' if n != 1 else ''} \u00b7 index built {index.built_at[:10]}"
        )

    def remember(
        self, question: Question, user_id: int, private: bool, sources: frozenset[str] | None = None
    ) -> str:
        key = secrets.token_hex(8)
        self.pending[key] = (question, user_id, private, sources)
        while len(self.pending) > PENDING_LIMIT:
            self.pending.popitem(last=False)
        return key

    async def send(self, interaction: discord.Interaction, **kwargs: object) -> bool:
        return await deliver(interaction, self.bot.settings.send_timeout, **kwargs)

    async def _chosen(
        self, command: str, interaction: discord.Interaction, started: float, source: str | None
    ) -> tuple[bool, frozenset[str] | None]:
        """The articles ``source:`` names (None: all); False when it names none, which the
        user is told in one line."""
        if source is None:
            return True, None
        # the first use reads every article: not on the loop
        sources, notice = await asyncio.to_thread(self.bot.engine.choose_sources, source)
        if notice:
            await self.send(interaction, content=notice, ephemeral=True)
            self._log(command, interaction, started, refused="source")
            return False, None
        return True, sources

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
    @app_commands.describe(
        question="Your question about the case",
        private="Only you see the answer",
        source="Answer from this source only: an outlet or an article (optional)",
    )
    @app_commands.checks.dynamic_cooldown(_cooldown)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, MAX_DISCORD_QUESTION],
        private: bool = False,
        source: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        started = time.perf_counter()
        if not await acknowledge(interaction, ephemeral=private):
            return
        given, notice = make_question(question, limit=MAX_DISCORD_QUESTION)
        if given is None:  # Discord enforces the length, but a client may not: answer in one line
            await self.send(interaction, content=notice, ephemeral=True)
            self._log("ask", interaction, started, refused="input")
            return
        chosen, sources = await self._chosen("ask", interaction, started, source)
        if not chosen:
            return
        answer = await asyncio.to_thread(self.bot.engine.retriever.ask, given, PER_PAGE + 1, sources=sources)
        spec = ask_reply(answer, footer=self.footer(), page=0, per_page=PER_PAGE)
        more = (
            MoreButton(self.remember(given, interaction.user.id, private, sources), 1) if spec.more else None
        )
        sent = await self.send(interaction, **render(spec, more=more), ephemeral=private)
        self._log("ask", interaction, started, answered=answer.answered, hits=len(spec.embeds), sent=sent)

    async def more(self, interaction: discord.Interaction, key: str, page: int) -> None:
        started = time.perf_counter()
        remembered = self.pending.get(key)
        if remembered is None:
            await interaction.response.send_message(MORE_EXPIRED, ephemeral=True)
            return
        question, owner, _private, sources = remembered
        if interaction.user.id != owner:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        if not await acknowledge(interaction, ephemeral=True):
            return
        k = PER_PAGE * (page + 1) + 1
        answer = await asyncio.to_thread(self.bot.engine.retriever.ask, question, k, sources=sources)
        spec = ask_reply(answer, footer=self.footer(), page=page, per_page=PER_PAGE)
        more = MoreButton(key, page + 1) if spec.more else None
        sent = await self.send(interaction, **render(spec, more=more), ephemeral=True)
        self._log("ask-more", interaction, started, page=page, hits=len(spec.embeds), sent=sent)

    @app_commands.command(name="quote", description="Direct quotations from the sources: who said what.")
    @app_commands.describe(
        query="What the quotation is about (optional)",
        speaker="Only this speaker's quotations (optional)",
        private="Only you see the answer",
        source="Only quotations from this source: an outlet or an article (optional)",
    )
    @app_commands.checks.dynamic_cooldown(_cooldown)
    async def quote(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, MAX_DISCORD_QUESTION] | None = None,
        speaker: app_commands.Range[str, 1, 100] | None = None,
        private: bool = False,
        source: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        started = time.perf_counter()
        if not await acknowledge(interaction, ephemeral=private):
            return
        quotes = self.bot.engine.quotes
        chosen, sources = await self._chosen("quote", interaction, started, source)
        if not chosen:
            return
        given = None
        if query:
            given, notice = make_question(
                query, example=EXAMPLE_QUERY, noun="search", limit=MAX_DISCORD_QUESTION
            )
            if given is None:
                await self.send(interaction, content=notice, ephemeral=True)
                self._log("quote", interaction, started, refused="input")
                return
        if given is not None:
            result = await asyncio.to_thread(quotes.search, given, speaker=speaker, k=5, sources=sources)
        elif speaker:
            result = await asyncio.to_thread(quotes.by_speaker, speaker, sources=sources)
        else:
            result = None
        spec = (
            ReplySpec(content=NO_QUOTE_ARGS) if result is None else quote_reply(result, footer=self.footer())
        )
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

    @ask.autocomplete("source")
    @quote.autocomplete("source")
    async def source_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        articles = await asyncio.to_thread(self.bot.engine.sources)
        return [app_commands.Choice(name=n, value=v) for n, v in source_choices(articles, current)]

    @app_commands.command(name="sources", description="The articles this bot quotes from.")
    async def sources(self, interaction: discord.Interaction) -> None:
        await self.sources_page(interaction, 0, ephemeral=False)

    async def sources_page(
        self, interaction: discord.Interaction, page: int, *, ephemeral: bool = True
    ) -> None:
        """One page of /sources (a "More" button for the next one, which anyone may press)."""
        started = time.perf_counter()
        if not await acknowledge(interaction, ephemeral=ephemeral):
            return
        engine = self.bot.engine
        # parsing every article: not on the loop
        listing = await asyncio.to_thread(
            lambda: sources_listing(engine.sources(), engine.counts(), engine.index.copies)
        )
        spec = sources_reply(listing, footer=self.footer(), page=page)
        more = SourcesButton(page + 1) if spec.more else None
        sent = await self.send(interaction, **render(spec, more=more), ephemeral=ephemeral)
        self._log("sources", interaction, started, articles=len(listing), page=page, sent=sent)

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
        except IndexProblem as exc:
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
