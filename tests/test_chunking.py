from __future__ import annotations

import itertools

import pytest

from bot.chunking import MAX_PASSAGE_CHARS, make_passages, paragraphs, split_sentences
from bot.corpus import parse_article
from bot.models import Article
from tests.conftest import SEED_ARTICLE


@pytest.fixture(scope="module")
def seed() -> Article:
    return parse_article(SEED_ARTICLE.name, SEED_ARTICLE.read_bytes())


def _sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_seed_has_ten_paragraphs_one_passage_each(seed: Article) -> None:
    passages = make_passages(seed)
    assert [p.paragraph for p in passages] == list(range(1, 11))
    assert passages[1].text.startswith('"BEST NEWS EVER!!!!" Kardashian wrote Wednesday')


def test_every_passage_and_sentence_is_verbatim(seed: Article) -> None:
    for p in make_passages(seed):
        assert seed.body[p.start : p.end] == p.text
        assert len(p.text) <= MAX_PASSAGE_CHARS
        assert p.sentences[0].start == p.start and p.sentences[-1].end == p.end
        for s in p.sentences:
            assert p.start <= s.start < s.end <= p.end
            assert seed.body[s.start : s.end].strip() == seed.body[s.start : s.end]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ms. Johnson met Mr. Smith in the U.S. on Monday. Then Jr. left.", 2),
        ('"BEST NEWS EVER!!!!" Kardashian wrote Wednesday in a tweet. The end.', 2),
        ('"Is it over?" she asked. Nobody knew.', 2),
        ('"It is our hope that he will act." She later told Mic that she was "hopeful"', 2),
        ('"I saw your video," Mic quoted Kardashian as having told them. "If you think about it."', 2),
        ("Wow!!!! Great news. Truly.", 3),
    ],
)
def test_sentence_splitting(text: str, expected: int) -> None:
    assert len(_sentences(text)) == expected, _sentences(text)


def test_exclamation_quote_keeps_its_attribution() -> None:
    first = _sentences('"BEST NEWS EVER!!!!" Kardashian wrote Wednesday in a tweet. The end.')[0]
    assert first == '"BEST NEWS EVER!!!!" Kardashian wrote Wednesday in a tweet.'


def test_paragraph_numbers_follow_blank_lines() -> None:
    body = "One.\nstill one.\n\n  \n\nTwo.\n\t\nThree."
    spans = paragraphs(body)
    assert [body[s.start : s.end] for s in spans] == ["One.\nstill one.", "Two.", "Three."]


def test_long_paragraph_is_split_at_sentences_sharing_one() -> None:
    sentences = [f"Sentence number {i} talks about the case in some detail for a while." for i in range(40)]
    body = " ".join(sentences)
    article = Article(doc_id="long", title="t", body=body)
    passages = make_passages(article)
    assert len(passages) > 1
    assert all(p.paragraph == 1 for p in passages)
    for a, b in itertools.pairwise(passages):
        assert len(a.text) <= MAX_PASSAGE_CHARS
        assert a.sentences[-1] == b.sentences[0]  # neighbours share a sentence
        assert body[a.start : a.end] == a.text
    assert passages[-1].end == len(body)


def test_a_giant_sentence_is_cut_at_whitespace() -> None:
    body = ("word " * 1000).strip()
    passages = make_passages(Article(doc_id="g", title="t", body=body))
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    assert all(body[p.start : p.end] == p.text for p in passages)
    assert " ".join(p.text for p in passages).split() == body.split()


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "The press secretary Sarah Sanders stressed that Ms. Johnson had served two decades. "
            "She was freed.",
            [
                "The press secretary Sarah Sanders stressed that Ms. Johnson had served two decades.",
                "She was freed.",
            ],
        ),
        (
            "\u201cWe thank Mr. Trump and Ms. Johnson,\u201d she said. It was over.",
            ["\u201cWe thank Mr. Trump and Ms. Johnson,\u201d she said.", "It was over."],
        ),
        (
            "Dr. Smith met Mrs. Jones on Jan. 5 in St. Louis. They talked.",
            ["Dr. Smith met Mrs. Jones on Jan. 5 in St. Louis.", "They talked."],
        ),
        (
            "The U.S. Court of Appeals agreed. Judge J. Doe wrote the opinion.",
            ["The U.S. Court of Appeals agreed.", "Judge J. Doe wrote the opinion."],
        ),
        (
            "Sen. Ames and Gov. Bell spoke. Rep. Cole did not.",
            ["Sen. Ames and Gov. Bell spoke.", "Rep. Cole did not."],
        ),
        ("Martin Luther King Jr. spoke. It rained.", ["Martin Luther King Jr. spoke.", "It rained."]),
        ("She moved to the U.S. She then left.", ["She moved to the U.S.", "She then left."]),
        ("She got an A. Then she left.", ["She got an A.", "Then she left."]),
        ("It was Plan B. The end.", ["It was Plan B.", "The end."]),
    ],
)
def test_sentences_split_where_a_reader_splits_them(text: str, sentences: list[str]) -> None:
    assert [text[s.start : s.end] for s in split_sentences(text)] == sentences


def test_no_sentence_of_the_corpus_ends_on_a_title_or_an_initial() -> None:
    import re

    from bot.corpus import load_corpus
    from tests.conftest import TEST_CORPUS

    ends = re.compile(r"(?:\b(?:Mr|Ms|Mrs|Dr|Sen|Rep|Gov|Gen|St|Prof|Rev)|(?:^|\s)[A-Z])\.$")
    for article in load_corpus(TEST_CORPUS).articles:
        for passage in make_passages(article):
            for s in passage.sentences:
                assert not ends.search(article.body[s.start : s.end]), article.body[s.start : s.end]
