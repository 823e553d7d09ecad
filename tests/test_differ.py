"""Sources that differ: the values a sentence states, when two agree, and the check on hits."""

from __future__ import annotations

import pytest

from bot.models import Article, Hit, Passage, Span
from bot.ranking.differ import SURE, Value, asked_kind, disagreement, values


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many years had Johnson served?", ("duration", None)),
        ("How long was she in prison?", ("duration", None)),
        ("How old is Johnson?", ("age", None)),
        ("What was her age when she was freed?", ("age", None)),
        ("How many children does she have?", ("count", "children")),
        ("When was the sentence commuted?", ("date", None)),
        ("In what year was she convicted?", ("date", None)),
        ("Who commuted the sentence?", None),
        ("What did the judge say?", None),
    ],
)
def test_the_kind_asked_for(question: str, kind: tuple[str, str | None] | None) -> None:
    assert asked_kind(question) == kind


def _texts(sentence: str, kind: str, counted: str | None = None) -> list[str]:
    return [sentence[v.start : v.end] for v in values(sentence, kind, counted)]


@pytest.mark.parametrize(
    ("sentence", "kind", "found"),
    [
        ("She had served 21 years in prison.", "duration", ["21 years"]),
        ("She had served almost 22 years of a life term.", "duration", ["almost 22 years"]),
        ("She spent more than two decades inside.", "duration", ["more than two decades"]),
        (
            "She was home for about six weeks and twenty-one days.",
            "duration",
            ["about six weeks", "twenty-one days"],
        ),
        ("Alice Marie Johnson, 63, was freed.", "age", ["63"]),
        ("The 63-year-old grandmother walked out.", "age", ["63-year-old"]),
        ("She has five grandchildren and two children.", "count", ["two children"]),
        ("It was commuted on June 6, 2018, in Washington.", "date", ["June 6, 2018"]),
        ("It was commuted in July 2018.", "date", ["July 2018"]),
        ("She was convicted in 1996 and the appeal failed in 1998.", "date", ["1996", "1998"]),
        ("In the 1990s she may have known.", "date", []),  # a decade, and the verb "may"
        ("She was freed on Wednesday.", "date", []),  # a weekday alone is not a date
    ],
)
def test_values_in_a_sentence(sentence: str, kind: str, found: list[str]) -> None:
    counted = "children" if kind == "count" else None
    assert _texts(sentence, kind, counted) == found


def _one(sentence: str, kind: str) -> Value:
    (value,) = values(sentence, kind)
    return value


@pytest.mark.parametrize(
    ("a", "b", "kind", "agree"),
    [
        ("served 21 years", "served 21 years", "duration", True),
        ("served 21 years", "served almost 22 years", "duration", False),
        ("served 21 years", "served more than 21 years", "duration", True),
        ("served 21 years", "served more than two decades", "duration", True),
        ("served almost 22 years", "served more than 21 years", "duration", True),
        ("served 21 years", "served 25 years", "duration", False),
        ("on June 6, 2018", "on Wednesday, June 6, 2018", "date", True),
        ("on June 6, 2018", "in June 2018", "date", True),
        ("in June 2018", "in July 2018", "date", False),
        ("in 2018", "in 2020", "date", False),
        ("on June 6", "on June 7", "date", False),
    ],
)
def test_when_two_values_agree(a: str, b: str, kind: str, agree: bool) -> None:
    assert _one(a, kind).agrees(_one(b, kind)) is agree
    assert _one(b, kind).agrees(_one(a, kind)) is agree


def _hit(doc: str, sentence: str, outlet: str) -> Hit:
    body = f"Opening line of {doc}.\n\n{sentence}"
    article = Article(doc_id=doc, title=f"Story {doc}", body=body, outlet=outlet)
    start = body.index(sentence)
    passage = Passage(doc, 2, start, len(body), sentence, (Span(start, len(body)),))
    return Hit(passage=passage, article=article, score=1.0, answer=Span(start, len(body)))


GAZETTE = "Johnson had served 21 years in prison before the president commuted her sentence on June 6, 2018."
POST = "Johnson had served almost 22 years of a life sentence when the president commuted it in July 2018."
PROFILE = "When the commutation came through in June 2018, her lawyer called the prison."


def test_differing_values_are_each_cited_verbatim() -> None:
    hits = [(_hit("gazette", GAZETTE, "Gazette"), 0.9), (_hit("post", POST, "Post"), 0.9)]
    for question, expected in (
        ("When was Johnson's sentence commuted?", ["June 6, 2018", "July 2018"]),
        ("How many years had Johnson served?", ["21 years", "almost 22 years"]),
    ):
        found = disagreement(question, hits, names={"johnson"})
        assert [s.text for s in found] == expected
        assert [s.article.outlet for s in found] == ["Gazette", "Post"] and all(
            s.is_verbatim() for s in found
        )
        assert all(s.paragraph == 2 for s in found)


def test_a_third_source_that_agrees_with_one_and_not_the_other_is_named_too() -> None:
    hits = [(_hit(d, s, d), 0.9) for d, s in (("gazette", GAZETTE), ("post", POST), ("profile", PROFILE))]
    found = disagreement("When was Johnson's sentence commuted?", hits, names={"johnson"})
    assert [s.text for s in found] == ["June 6, 2018", "July 2018", "June 2018"]


@pytest.mark.parametrize(
    ("question", "hits"),
    [
        # the same value in other words
        (
            "When was the sentence commuted?",
            [GAZETTE, "The president commuted her sentence on Wednesday, June 6, 2018."],
        ),
        # values of different things: the anchors share no word
        (
            "How long had she been out?",
            ["She had been home for about six weeks.", "Three months into her freedom, she rose early."],
        ),
        # a sentence with two values of the kind is ambiguous
        (
            "In what year was she sentenced?",
            ["She was sentenced in 1996 and lost her appeal in 1998.", "She was sentenced in 1997."],
        ),
        # names are not compared
        ("Who commuted the sentence?", ["Trump commuted the sentence.", "Obama commuted the sentence."]),
        # copies of one article are one source
    ],
)
def test_no_false_disagreement(question: str, hits: list[str]) -> None:
    scored = [(_hit(f"d{n}", s, f"Outlet {n}"), 0.9) for n, s in enumerate(hits)]
    assert disagreement(question, scored) == ()


def test_sentences_off_the_question_are_compared_only_when_the_ranker_is_sure() -> None:
    # "the memoir" question: sentences about the commutation share none of its focus words
    hits = [(_hit("gazette", GAZETTE, "G"), SURE - 0.1), (_hit("post", POST, "P"), SURE - 0.1)]
    assert disagreement("In what year did Johnson's memoir come out?", hits, names={"johnson"}) == ()
    sure = [(h, SURE) for h, _ in hits]
    assert len(disagreement("In what year did Johnson's memoir come out?", sure, names={"johnson"})) == 2
    one_article = [(_hit("same", GAZETTE, "S"), 0.9), (_hit("same", POST, "S"), 0.9)]
    assert disagreement("When was Johnson's sentence commuted?", one_article) == ()
