"""No reply can break Discord's limits: every passage and quotation, rendered as the bot sends it."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.config import Settings
from bot.discord_app.views import MoreButton, render
from bot.embedding import HashEmbedder
from bot.engine import Engine, open_engine
from bot.models import Answer, Hit, QuoteHit, Span
from bot.quote_search import QuoteResult
from bot.replies import ask_reply, escape_markdown, quote_reply, sources_reply
from bot.source_choice import sources_listing
from tests.conftest import write_article
from tests.fake_discord import check_message

FOOTER = "Quoted from 2 source articles \u00b7 index built 2026-11-30"
NASTY = (
    "**bold** __u__ `code` ||spoiler|| [link](https://evil.example) <@123> <@&456> @everyone # head > q ~ | "
)


def _payload(kwargs: dict) -> dict:
    """What discord.py would send for these send() arguments."""
    payload = {
        "content": kwargs.get("content"),
        "embeds": [e.to_dict() for e in kwargs.get("embeds", [])],
        "allowed_mentions": kwargs["allowed_mentions"].to_dict(),
    }
    view = kwargs.get("view")
    if view is not None:
        payload["components"] = view.to_components()
    return payload


@pytest.fixture
def engine(settings: Settings, fake_embedder: HashEmbedder) -> Engine:
    long_title = "A very long title " * 20  # 360 characters
    paragraphs = [(NASTY * 8)[:890] + "." for _ in range(3)] + ["Word " * 300]
    speaker = "Bartholomew " + "Maximilian " * 12 + "Featherstonehaugh-Smythe"
    quote = f'"{NASTY * 4}," {speaker} said.'
    write_article(
        settings.corpus_dir,
        "synthetic.md",
        "\n\n".join([*paragraphs, quote]),
        title=long_title,
        outlet="The " + "Extremely Long Outlet Name " * 8,
        author="An " + "Author With Many Names " * 8,
        url="https://example.com/" + "x" * 200,
    )
    return open_engine(settings, fake_embedder)


def _hits(engine: Engine) -> list[Hit]:
    out = []
    for p in engine.index.passages:
        article = engine.index.articles[p.doc_id]
        for s in p.sentences:
            out.append(Hit(passage=p, article=article, score=1.0, answer=Span(s.start, s.end)))
    return out


def test_every_passage_as_an_ask_reply_fits(engine: Engine) -> None:
    hits = _hits(engine)
    assert any(len(escape_markdown(h.passage.text)) > 1024 for h in hits)  # the hard case is there
    for i in range(len(hits)):
        page = tuple(hits[i : i + 4])
        for answered in (True, False):
            answer = Answer(question=NASTY * 20, answered=answered, hits=page)
            spec = ask_reply(answer, footer=FOOTER)
            kwargs = render(spec, more=MoreButton("0123456789abcdef", 1))
            payload = _payload(kwargs)
            assert check_message(payload) == [], payload
            assert payload["allowed_mentions"] == {"parse": []}
            assert len(spec.embeds) >= 1


def test_every_quotation_as_a_quote_reply_fits(engine: Engine) -> None:
    rows = list(range(len(engine.index.quotations)))
    assert len(rows) >= 20
    for i in rows:
        hits = tuple(engine.quotes._hit(r, 1.0) for r in rows[i : i + 5])
        result = QuoteResult(query=NASTY * 10, speaker=NASTY, hits=hits)
        payload = _payload(render(quote_reply(result, footer=FOOTER)))
        assert check_message(payload) == [], payload
        assert isinstance(hits[0], QuoteHit)


def test_sources_reply_fits_and_pages_through_many_articles(engine: Engine) -> None:
    article = next(iter(engine.index.articles.values()))
    articles = [
        dataclasses.replace(article, doc_id=f"a{n}", title=NASTY * 3, outlet=NASTY, author=NASTY, url=None)
        for n in range(45)
    ]  # a corpus of many articles with long, hostile metadata
    listing = sources_listing(articles, {"a0": (12, 3)})
    assert listing[0]["passages"] == 12 and listing[0]["quotations"] == 3 and listing[1]["passages"] == 0
    pages = [sources_reply(listing, footer=FOOTER, page=p) for p in range(5)]
    for page in pages:
        assert check_message(_payload(render(page))) == []
    assert [p.more for p in pages] == [True, True, True, True, False]
    assert pages[0].embeds[0].title == "Sources (45 articles), page 1 of 5"
    assert pages[4].embeds[0].description.count("\n") == 4  # the last five
    assert sources_reply(listing, footer=FOOTER, page=99).embeds[0].title.endswith("page 5 of 5")


def test_markdown_and_mentions_are_shown_literally() -> None:
    escaped = escape_markdown(NASTY)
    for raw in ("**bold**", "`code`", "||spoiler||", "[link](", "<@123>"):
        assert raw not in escaped
    # every markdown or mention character is escaped with a backslash
    assert re.search(r"(?<!\\)[*_`|\[\]()<>@#~]", escaped) is None
    assert "\\@everyone" in escaped
