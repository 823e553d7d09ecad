"""The real discord.py client against the fake Discord, serving the team's test library:
"also in", "The sources differ:", ``source:`` with its autocomplete, an outlet named in the
question, and /sources in pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.add import main as add
from bot.replies import DIFFER_LABEL, NAMED_LABEL
from tests.fake_discord import buttons
from tests.library import SOURCES
from tests.test_discord import Harness, _assert_clean, running_bot


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    tmp: Path = tmp_path_factory.mktemp("library")
    corpus = tmp / "corpus"
    corpus.mkdir()
    assert add(["--force", *(str(p) for p in sorted(SOURCES.iterdir())), "--corpus", str(corpus)]) == 0
    with running_bot(tmp, "--sync") as h:
        yield h


def _fields(embed: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {f["name"]: _shown(f["value"]) for f in embed.get("fields", [])}


def _shown(text: str | None) -> str:
    """What Discord shows of escaped text: the characters without their backslashes."""
    return re.sub(r"\\(.)", r"\1", text or "")


def test_the_wire_story_and_its_copies_are_one_hit_also_in_the_others(library: Harness) -> None:
    inter = library.ask("What did Johnson say in the statement released by her lawyers?")
    _assert_clean(inter)
    embeds = inter.followups[0]["embeds"]
    assert sum("given my life back" in e["description"] for e in embeds) == 1
    top = embeds[0]
    assert "given my life back" in top["description"] and _fields(top)["Source"] == "Capital Wire"
    also = _fields(top)["Also in"]  # the earliest published is shown; both copies are named
    assert "Lakeside Daily (paragraph 3)" in also and "The Harbor Times (paragraph 3)" in also


def test_the_planted_contradictions_are_flagged_with_each_value_and_source(library: Harness) -> None:
    when = library.ask("When was Johnson's sentence commuted?")
    _assert_clean(when)
    content = _shown(when.followups[0]["content"])
    assert DIFFER_LABEL in content
    assert "June 6, 2018\u201d (Valley Gazette, paragraph 2)" in content
    assert "July 2018\u201d (The Evening Post, paragraph 2)" in content
    served = library.ask("How many years had Johnson served in prison?", user_id="800000000000000301")
    content = _shown(served.followups[0]["content"])
    assert DIFFER_LABEL in content and "\u201c21 years\u201d" in content and "almost 22 years" in content
    # 63 in every source (each user may ask three times a minute: another user)
    agreed = library.ask("How old was Alice Marie Johnson when she was freed?", user_id="800000000000000302")
    _assert_clean(agreed)
    assert DIFFER_LABEL not in (agreed.followups[0]["content"] or "")


def test_source_narrows_the_answer_and_is_offered_while_typing(library: Harness) -> None:
    auto = library.do(library.fake.autocomplete("ask", "source", "valley"))
    assert auto.rejected == [] and auto.callbacks[0]["type"] == 8
    choices = auto.callbacks[0]["data"]["choices"]
    assert choices[0] == {"name": "Valley Gazette (1 article)", "value": "Valley Gazette"}
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    everything = library.do(library.fake.autocomplete("quote", "source", ""))
    offered = [c["value"] for c in everything.callbacks[0]["data"]["choices"]]
    assert len(offered) == 24 and offered[0] == "Capital Wire"  # 11 outlets, then the 13 articles

    inter = library.do(
        library.fake.command(
            "ask",
            {"question": "When was Johnson's sentence commuted?", "source": "Valley Gazette"},
            user_id="800000000000000401",
        )
    )
    _assert_clean(inter)
    embeds = inter.followups[0]["embeds"]
    assert embeds and all(_fields(e)["Source"] == "Valley Gazette" for e in embeds)
    assert DIFFER_LABEL not in (inter.followups[0]["content"] or "")  # one source cannot differ

    quoted = library.do(
        library.fake.command(
            "quote", {"query": "life back", "source": "Lakeside Daily"}, user_id="800000000000000402"
        )
    )
    _assert_clean(quoted)
    fields = [f["value"] for e in quoted.followups[0]["embeds"] for f in e["fields"]]
    assert fields and all("Lakeside Daily" in v for v in fields)

    unknown = library.do(
        library.fake.command(
            "ask", {"question": "Who is Johnson?", "source": "The Moon Times"}, user_id="800000000000000403"
        )
    )
    _assert_clean(unknown)
    (message,) = unknown.messages()[-1:]
    assert message["content"].startswith("No source matches 'The Moon Times'") and message["flags"] & 64


def test_an_outlet_the_question_names_is_answered_from_and_said(library: Harness) -> None:
    inter = library.do(
        library.fake.command(
            "ask",
            {"question": "According to the Evening Post, when was Johnson's sentence commuted?"},
            user_id="800000000000000404",
        )
    )
    _assert_clean(inter)
    reply = inter.followups[0]
    content = _shown(reply["content"])
    assert content.startswith("**Q:** According to the Evening Post, when")  # as typed
    assert f"\n{NAMED_LABEL} The Evening Post" in content
    assert DIFFER_LABEL not in content  # one source cannot differ
    assert reply["embeds"] and all(_fields(e)["Source"] == "The Evening Post" for e in reply["embeds"])


def test_sources_lists_every_article_in_pages(library: Harness) -> None:
    first = library.do(library.fake.command("sources"))
    _assert_clean(first)
    reply = first.followups[0]
    embed = reply["embeds"][0]
    assert embed["title"] == "Sources (13 articles), page 1 of 2"
    assert "Capital Wire" in embed["description"] and "passages" in embed["description"]
    (more,) = [b for b in buttons(reply) if b.get("custom_id", "").startswith("casebot:sources:")]
    second = library.do(library.fake.click(reply, more["custom_id"], user_id="800000000000000555"))
    _assert_clean(second)
    page = second.messages()[-1]["embeds"][0]
    assert page["title"] == "Sources (13 articles), page 2 of 2" and page["description"].count("\n") == 2
    assert "Riverbend Courier" in page["description"]  # the 2020 story is the newest: last


def test_a_quotation_three_articles_report_is_one_entry_with_every_source(library: Harness) -> None:
    quoted = library.do(
        library.fake.command("quote", {"query": "given my life back"}, user_id="800000000000000405")
    )
    _assert_clean(quoted)
    embeds = quoted.followups[0]["embeds"]
    assert sum("given my life back" in e["description"] for e in embeds) == 1
    entry = next(e for e in embeds if "given my life back" in e["description"])
    fields = _fields(entry)
    assert "Capital Wire" in fields["Reported in"]  # the earliest published is shown
    assert "Lakeside Daily (paragraph 3)" in fields["Also reported in"]
    assert "The Harbor Times (paragraph 3)" in fields["Also reported in"]
    assert _shown(entry["title"]) == "Alice Marie Johnson"
