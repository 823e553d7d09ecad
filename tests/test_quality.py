"""Retrieval quality with the real bundled model (all-MiniLM-L6-v2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine import Engine, open_engine
from bot.measure.case import score_case_file
from tests.conftest import NO_SHARED, ROOT, SHARED_EVAL, TEST_CORPUS

pytestmark = pytest.mark.model

OWN_QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    settings = Settings(corpus_dir=TEST_CORPUS, index_dir=tmp_path_factory.mktemp("real-index"))
    return open_engine(settings)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.skipif(not SHARED_EVAL.exists(), reason=NO_SHARED)
def test_case_questions_meet_the_bar(engine: Engine) -> None:
    report = score_case_file(engine, _rows(SHARED_EVAL))
    m = report.metrics()
    assert m["hit@1"] >= 0.9, report.misses
    assert m["hit@3"] == 1.0, report.misses
    assert m["answer_sentence@1"] >= 0.8, report.misses
    assert m["declined_off_topic"] == 1.0, report.misses
    assert m["answered_in_scope"] == 1.0, report.misses
    assert m["quote@3"] == 1.0, report.misses


def test_own_held_apart_questions(engine: Engine) -> None:
    """Questions written apart from the tuning set: a floor, not the tuned figure."""
    report = score_case_file(engine, _rows(OWN_QUESTIONS))
    m = report.metrics()
    assert m["hit@3"] >= 0.9, report.misses
    assert m["hit@1"] >= 0.7, report.misses
    assert m["answer_sentence@1"] >= 0.7, report.misses
    # the fitted answered decision (bot.ranking.decision), refit on the fitted ranking, declines 4
    # of these 20 (a named gap, docs/answering.md); the hand rule answered all of them and many
    # questions it should not
    assert m["answered_in_scope"] >= 0.8, report.misses
    assert m["declined_off_topic"] == 1.0, report.misses
    assert m["quote"] >= 8 and m["quote@3"] == 1.0, report.misses


def test_real_hits_are_verbatim(engine: Engine) -> None:
    questions = [r.get("question", r.get("query", "")) for r in _rows(OWN_QUESTIONS)]
    body = engine.index.articles["alice-marie-johnson-bustle"].body
    questions += [body[i : i + 80] for i in range(0, len(body), 150)]
    for question in questions:
        for hit in engine.retriever.ask(question, k=10).hits:
            assert hit.article.body[hit.passage.start : hit.passage.end] == hit.passage.text
            assert hit.answer_text in hit.passage.text


@pytest.mark.parametrize(
    "question",
    [
        "@everyone who commuted the sentence? <@&42>",
        "¿Quién conmutó la sentencia de Johnson?",
        "ما هو الحكم",
        "🙂 why 🙂",
    ],
)
def test_odd_questions_never_fail(engine: Engine, question: str) -> None:
    answer = engine.retriever.ask(question)
    assert answer.message is None
    assert all(h.is_verbatim() for h in answer.hits)


def test_a_passage_about_the_person_that_lacks_what_is_asked_is_not_an_answer(engine: Engine) -> None:
    """The article names Jared Kushner and Kim Kardashian but says nothing of a birth or a
    height; it does give Johnson's age."""
    assert not engine.retriever.ask("When was Jared Kushner born?").answered
    assert not engine.retriever.ask("How tall is Kim Kardashian?").answered
    assert engine.retriever.ask("How old is Alice Marie Johnson?").answered
