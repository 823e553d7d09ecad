"""Quotation extraction and attribution, table-driven, and the quotation search."""

from __future__ import annotations

import json

import pytest

from bot.config import Settings
from bot.corpus import parse_article
from bot.embedding import HashEmbedder
from bot.engine import open_engine
from bot.models import Article
from bot.quote_text import quotes_to_json, quotes_to_text
from bot.quotes import extract_quotations
from tests.conftest import DATA, SEED_ARTICLE

KK = "Kim Kardashian"
JUDGE = "the judge who sentenced Johnson"

# Every quotation of the seed article, in order: (paragraph, exact text, speaker), a golden file.
SEED_QUOTATIONS = [
    (r["paragraph"], r["text"], r["speaker"])
    for r in map(json.loads, (DATA / "seed_quotations.jsonl").read_text(encoding="utf-8").splitlines())
]


@pytest.fixture(scope="module")
def seed() -> Article:
    return parse_article(SEED_ARTICLE.name, SEED_ARTICLE.read_bytes())


def test_seed_quotations_exactly(seed: Article) -> None:
    got = [(q.paragraph, q.text, q.speaker) for q in extract_quotations(seed)]
    assert got == SEED_QUOTATIONS


def test_seed_quotations_are_verbatim_with_their_sentence(seed: Article) -> None:
    for q in extract_quotations(seed):
        assert seed.body[q.start : q.end] == q.text
        assert seed.body[q.start - 1] in '"\u201c'  # the opening mark stands right before it
        context = q.context_text(seed.body)
        assert q.text in context
        assert context == seed.body[q.context.start : q.context.end]


def _article(body: str) -> Article:
    return Article(doc_id="t", title="t", body=body)


def _quotes(body: str) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in extract_quotations(_article(body))]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a quotation broken by its attribution is two quotations of the same speaker
        (
            'Jane Roe met the press. "I think it is over," Roe said, "and I am glad."',
            [("I think it is over,", "Jane Roe"), ("and I am glad.", "Jane Roe")],
        ),
        # nested single quotes stay inside
        (
            "\u201cShe told me \u2018never again\u2019 and meant it,\u201d said Sam Lee.",
            [("She told me \u2018never again\u2019 and meant it,", "Sam Lee")],
        ),
        # apostrophes are not quote marks
        ("Johnson's case from the \u201990s and Kardashian\u2019s work ended.", []),
        # an article with no quotations at all
        ("Nothing was said here. Nothing at all.", []),
        # an unbalanced mark: the unclosed quotation is ignored, the closed one kept
        ('He said "this never ends. Later, Ann Bo wrote "it ended."', [("it ended.", "Ann Bo")]),
        # a stray closing mark is ignored
        ('Prices rose 5" overnight, said the report.', []),
        # a pronoun resolves to the last named speaker, never to "she"
        (
            '"First," Mary Major said. Then "second," she added.',
            [("First,", "Mary Major"), ("second,", "Mary Major")],
        ),
        # an outlet's words, by "according to"
        ('According to Reuters, the firm was "in trouble" for years.', [("in trouble", "Reuters")]),
        # no attribution at all: unknown, not a guess
        ('The word "clemency" appears in the petition.', [("clemency", None)]),
        # inverted attribution
        ('"We won," said Governor Pat Kim. Kim later left.', [("We won,", "Pat Kim")]),
    ],
)
def test_extraction_cases(body: str, expected: list[tuple[str, str | None]]) -> None:
    assert _quotes(body) == expected


def test_quote_over_several_paragraphs() -> None:
    body = (
        'Ann Bo spoke at length. "The first part goes here.\n\n'
        '"The second part follows.\n\n'
        '"And the end is here," Bo said.\n\n'
        "A new paragraph."
    )
    got = extract_quotations(_article(body))
    assert [(q.paragraph, q.text) for q in got] == [
        (1, "The first part goes here."),
        (2, "The second part follows."),
        (3, "And the end is here,"),
    ]
    assert got[2].speaker == "Ann Bo"
    for q in got:
        assert body[q.start : q.end] == q.text


def test_quotation_search_and_speakers(settings: Settings, fake_embedder: HashEmbedder) -> None:
    engine = open_engine(settings, fake_embedder)
    assert engine.quotes.speakers() == [(KK, 14), (JUDGE, 3), ("Associated Press", 1), ("Mic", 1)]
    everything = engine.quotes.by_speaker("JUDGE")
    assert [h.quotation.text for h in everything.hits] == [
        "the quintessential entrepreneur",
        "2,000 to 3,000 kilograms of cocaine",
        "very significant",
    ]
    found = engine.quotes.search("quintessential entrepreneur", k=3)
    assert found.hits[0].quotation.text == "the quintessential entrepreneur"
    only_kk = engine.quotes.search("hope president", speaker="kardashian", k=10)
    assert only_kk.hits and all(h.quotation.speaker == KK for h in only_kk.hits)
    assert engine.quotes.search("hope", speaker="nobody such").hits == ()
    record = quotes_to_json(found)
    assert set(record) == {"query", "speaker", "quotes"}
    first = record["quotes"][0]
    assert set(first) == {
        "text",
        "speaker",
        "doc_id",
        "title",
        "paragraph",
        "start",
        "end",
        "context",
        "score",
        "reported_by",
    }
    body = engine.index.articles[first["doc_id"]].body
    assert body[first["start"] : first["end"]] == first["text"]
    assert first["context"] in body and first["text"] in first["context"]
    text = quotes_to_text(found)
    assert "\u201cthe quintessential entrepreneur\u201d" in text and JUDGE in text and "paragraph 8" in text
    assert engine.quotes.search("").message and engine.quotes.search("x" * 5000).message


def test_every_indexed_quotation_is_verbatim(settings: Settings, fake_embedder: HashEmbedder) -> None:
    engine = open_engine(settings, fake_embedder)
    for row, q in enumerate(engine.index.quotations):
        hit = engine.quotes._hit(row, 0.0)
        assert hit.is_verbatim()
        assert engine.index.articles[q.doc_id].body[q.start : q.end] == q.text
