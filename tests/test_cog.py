"""The cog's logic in-process: a real engine (test embedder) behind it, and stand-ins for
Discord's interaction built on the real discord.py classes (spec_set: a test cannot use an
attribute that the real object lacks)."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

import discord
import pytest

from bot.config import Settings
from bot.discord_app.cog import NEED_MANAGER, NOT_YOURS, CaseCog
from bot.embedding import HashEmbedder
from bot.engine import Engine, open_engine
from bot.index import IndexCorrupt
from bot.questions import Question


class Host:
    """The bot as the cog sees it (bot.discord_app.cog.Host)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.settings = engine.settings
        self.reload_error: Exception | None = None

    def reload_index(self) -> None:
        if self.reload_error:
            raise self.reload_error


def _interaction(user_id: int = 42, manage_guild: bool = True) -> Any:
    inter = mock.create_autospec(discord.Interaction, instance=True, spec_set=True)
    inter.response = mock.create_autospec(discord.InteractionResponse, instance=True, spec_set=True)
    inter.followup = mock.create_autospec(discord.Webhook, instance=True, spec_set=True)
    inter.response.is_done.return_value = False
    inter.user = mock.create_autospec(discord.User, instance=True)
    inter.user.id = user_id
    inter.guild_id = 1
    inter.permissions = discord.Permissions(manage_guild=manage_guild)
    return inter


def _sent(inter: Any) -> dict[str, Any]:
    (call,) = inter.followup.send.await_args_list
    return call.kwargs


@pytest.fixture
def cog(settings: Settings) -> CaseCog:
    return CaseCog(Host(open_engine(settings, HashEmbedder())))


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_ask_cleans_the_question_once_and_passes_it_on(cog: CaseCog) -> None:
    inter = _interaction()
    seen: list[object] = []
    real_ask = cog.bot.engine.retriever.ask

    def ask(question: object, k: int, **options: Any) -> object:
        seen.append(question)
        return real_ask(question, k, **options)  # type: ignore[arg-type]

    with mock.patch.object(cog.bot.engine.retriever, "ask", side_effect=ask):
        _run(CaseCog.ask.callback(cog, inter, "What did\u200b the judge   call Johnson?"))  # type: ignore[arg-type]
    inter.response.defer.assert_awaited_once()
    (question,) = seen
    assert question == Question(
        raw="What did\u200b the judge   call Johnson?", text="What did the judge call Johnson?"
    )
    reply = _sent(inter)
    assert reply["allowed_mentions"].to_dict() == {"parse": []}
    assert "quintessential entrepreneur" in reply["embeds"][0].description


def test_ask_refuses_unusable_input_in_one_line_without_searching(cog: CaseCog) -> None:
    inter = _interaction()
    with mock.patch.object(cog.bot.engine.retriever, "ask") as ask:
        _run(CaseCog.ask.callback(cog, inter, "?!?"))  # type: ignore[arg-type]
    ask.assert_not_called()
    reply = _sent(inter)
    assert reply["ephemeral"] is True and "\n" not in reply["content"] and "in words" in reply["content"]


def test_more_pages_only_for_the_asker(cog: CaseCog) -> None:
    key = cog.remember(Question(raw="Johnson", text="Johnson"), user_id=7, private=False)
    stranger = _interaction(user_id=8)
    _run(cog.more(stranger, key, 1))
    stranger.response.send_message.assert_awaited_once_with(NOT_YOURS, ephemeral=True)
    asker = _interaction(user_id=7)
    _run(cog.more(asker, key, 1))
    assert _sent(asker)["ephemeral"] is True


def test_sources_reads_the_articles_off_the_event_loop(cog: CaseCog) -> None:
    inter = _interaction()
    loop_thread: list[object] = []
    sources = cog.bot.engine.sources

    def spy() -> object:
        import threading

        loop_thread.append(threading.current_thread() is threading.main_thread())
        return sources()

    with mock.patch.object(cog.bot.engine, "sources", side_effect=spy):
        _run(CaseCog.sources.callback(cog, inter))  # type: ignore[arg-type]
    assert loop_thread == [False]
    embed = _sent(inter)["embeds"][0]
    assert "Bustle" in embed.description and embed.title == "Sources (1 articles)"


def test_reload_keeps_the_old_index_when_the_new_one_fails(cog: CaseCog) -> None:
    host = cog.bot
    assert isinstance(host, Host)
    host.reload_error = IndexCorrupt("index file vectors.npy is missing or damaged")
    inter = _interaction()
    _run(CaseCog.reload.callback(cog, inter))  # type: ignore[arg-type]
    content = _sent(inter)["content"]
    assert "keeps the index built" in content and "vectors.npy" in content and "bot.reindex" in content

    no_rights = _interaction(manage_guild=False)
    _run(CaseCog.reload.callback(cog, no_rights))  # type: ignore[arg-type]
    no_rights.response.send_message.assert_awaited_once_with(NEED_MANAGER, ephemeral=True)
