"""The test library from the terminal: --source, --sources, "The sources differ:" and its
JSON field; and, with the real model, the library's question file part by part."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine import open_engine
from bot.measure.library import build_corpus, read_questions, score_library
from bot.replies import DIFFER_LABEL, NAMED_LABEL
from tests.conftest import ROOT, TEST_MODEL, run_module
from tests.library import LIBRARY, SOURCES


@pytest.fixture(scope="module")
def library_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("library-cli")
    (tmp / "corpus").mkdir()
    build_corpus(SOURCES, tmp / "corpus")
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CASEBOT_CORPUS_DIR": str(tmp / "corpus"),
        "CASEBOT_INDEX_DIR": str(tmp / "index"),
        "CASEBOT_MODEL": TEST_MODEL,
    }


def test_the_sources_differ_in_text_and_json(library_env: dict[str, str]) -> None:
    text = run_module(["bot.ask", "When was Johnson's sentence commuted?"], library_env)
    assert text.returncode == 0, text.stderr
    assert f"{DIFFER_LABEL}\n  - \u201cJune 6, 2018\u201d (Valley Gazette, paragraph 2)" in text.stdout
    assert "  - \u201cJuly 2018\u201d (The Evening Post, paragraph 2)" in text.stdout
    record = json.loads(
        run_module(["bot.ask", "--json", "When was Johnson's sentence commuted?"], library_env).stdout
    )
    values = {d["value"]: d for d in record["disagreement"]}
    assert set(values) >= {"June 6, 2018", "July 2018"}
    assert values["July 2018"]["outlet"] == "The Evening Post" and values["July 2018"]["paragraph"] == 2
    assert {"hits", "question", "answered"} <= set(record)


def test_source_narrows_the_answer_and_sources_lists_the_library(library_env: dict[str, str]) -> None:
    asked = run_module(
        ["bot.ask", "--json", "--source", "evening post", "Where does Johnson live?"], library_env
    )
    assert asked.returncode == 0, asked.stderr
    hits = json.loads(asked.stdout)["hits"]
    assert hits and {h["outlet"] for h in hits} == {"The Evening Post"}
    quoted = run_module(["bot.quote", "--json", "--source", "Lakeside Daily", "my life back"], library_env)
    quotes = json.loads(quoted.stdout)["quotes"]
    assert quotes and all(q["doc_id"].startswith("lakeside-daily") for q in quotes)
    unknown = run_module(["bot.ask", "--source", "The Moon Times", "Who is Johnson?"], library_env)
    assert unknown.returncode == 2 and unknown.stderr.strip().splitlines() == [
        "No source matches 'The Moon Times': /sources (python -m bot.ask --sources) lists them."
    ]
    listing = json.loads(run_module(["bot.ask", "--sources", "--json"], library_env).stdout)["sources"]
    dated = [row["outlet"] for row in listing if row["published"]]
    assert len(listing) == 13 and dated[-1] == "Riverbend Courier"  # oldest first (2020 last), undated after
    assert [row["published"] for row in listing[-2:]] == [None, None]
    assert all(row["passages"] >= 3 for row in listing)
    text = run_module(["bot.ask", "--sources"], library_env).stdout
    assert text.startswith("13 source articles:") and "Capital Wire, by Dana Reyes, 2018-06-06" in text


def test_a_question_that_names_an_outlet_is_answered_from_it(library_env: dict[str, str]) -> None:
    """ "According to The Evening Post, ..." is asked of that outlet's articles alone, without
    its name (which would otherwise favour a line that only names the outlet), and so no
    "sources differ" is made from other outlets' values; the question is echoed as typed."""
    for question in (
        "According to the Evening Post, when was Johnson's sentence commuted?",
        "when was johnson's sentence commuted, according to the evening post",
    ):
        record = json.loads(run_module(["bot.ask", "--json", question], library_env).stdout)
        assert record["question"] == question and record["named_sources"] == ["The Evening Post"]
        assert record["hits"] and {h["outlet"] for h in record["hits"]} == {"The Evening Post"}
        assert record["disagreement"] == []
    both = "When was Johnson's sentence commuted, according to the Evening Post and the Valley Gazette?"
    record = json.loads(run_module(["bot.ask", "--json", both], library_env).stdout)
    assert {h["outlet"] for h in record["hits"]} <= {"The Evening Post", "Valley Gazette"}
    assert {d["outlet"] for d in record["disagreement"]} == {"The Evening Post", "Valley Gazette"}
    text = run_module(["bot.ask", "According to the Evening Post, when was it commuted?"], library_env)
    assert text.stdout.splitlines()[1] == f"{NAMED_LABEL} The Evening Post"
    plain = json.loads(run_module(["bot.ask", "--json", "When was it commuted?"], library_env).stdout)
    assert "named_sources" not in plain  # a key added only when the question names an outlet
    chosen = run_module(
        ["bot.ask", "--json", "--source", "Valley Gazette", "When did the Evening Post say it was commuted?"],
        library_env,
    )
    assert {h["outlet"] for h in json.loads(chosen.stdout)["hits"]} == {"Valley Gazette"}  # a choice wins


@pytest.mark.model
def test_the_library_questions_with_the_real_model(tmp_path: Path) -> None:
    """The figures bot.eval library reports, held where they stand today (see docs/answering.md):
    every planted contradiction flagged, no false one, and retrieval no worse than measured."""
    (tmp_path / "corpus").mkdir()
    doc_of = build_corpus(SOURCES, tmp_path / "corpus")
    settings = dataclasses.replace(
        Settings.from_env({}, dotenv=False), corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"
    )
    reports = score_library(open_engine(settings), read_questions(LIBRARY / "questions.jsonl"), doc_of)
    for part in reports.values():
        assert part.planted == 1 and part.flagged_planted == 1 and part.flagged_other == 0, part.misses
        assert part.asked == 32 and part.off_topic == 11
    report = reports["report"].metrics()
    # with the fitted answered decision: a declined question shows two related passages, not three
    assert report["hit@3"] >= 0.68
    # measured 2026-12-03: declined 0.82, answered 0.72 (the decision's threshold is chosen
    # since then with a false answer costing twice a declined question: one more not-covered
    # question declined, two more in-scope ones; before, 0.73 and 0.78)
    assert report["declined_off_topic"] >= 0.8 and report["answered_in_scope"] >= 0.7, reports[
        "report"
    ].misses


def test_syndicated_copies_are_recognised_at_index_time(library_env: dict[str, str]) -> None:
    built = run_module(["bot.reindex", "--force", "--quiet"], library_env)
    assert built.returncode == 0, built.stderr
    lines = built.stdout.splitlines()
    assert "Recognised 2 syndicated copies (shown once in answers, cited from every source):" in lines
    copies = [line for line in lines if " is a copy of capital-wire-" in line]
    assert len(copies) == 2 and any(line.startswith("  lakeside-daily-") for line in copies)
    listing = json.loads(run_module(["bot.ask", "--sources", "--json"], library_env).stdout)["sources"]
    copied = {row["outlet"]: row["copy_of"] for row in listing if row["copy_of"]}
    assert set(copied) == {
        "Lakeside Daily",
        "The Harbor Times",
    }  # nothing else, not the blog quoting a statement
    assert all(c["outlet"] == "Capital Wire" and c["similarity"] >= 0.8 for c in copied.values())
    text = run_module(["bot.ask", "--sources"], library_env).stdout
    assert "a copy of Capital Wire (94% the same)" in text
