"""One answer, many sources: the same words in several articles are one hit, cited from all."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.add import main as add
from bot.config import Settings
from bot.embedding import HashEmbedder
from bot.engine import Engine, open_engine
from bot.models import Article, Hit, Passage, Span
from bot.ranking.copies import group_copies, merge_copies
from bot.replies import answer_to_json, answer_to_text, ask_reply
from tests.conftest import DATA, write_article

SHARED = "The president commuted the life sentence of a grandmother who had served more than two decades."


def _hit(doc_id: str, text: str, published: str | None, score: float, paragraph: int = 1) -> Hit:
    article = Article(
        doc_id=doc_id, title=f"Title {doc_id}", body=text, outlet=f"Outlet {doc_id}", published=published
    )
    passage = Passage(doc_id=doc_id, paragraph=paragraph, start=0, end=len(text), text=text)
    return Hit(passage=passage, article=article, score=score, answer=Span(0, len(text)))


def test_near_identical_passages_of_other_articles_group_and_the_earliest_is_shown() -> None:
    hits = [
        _hit("copy", SHARED.replace("grandmother", "grandmother,"), "2018-06-07", 0.9),
        _hit(
            "other",
            "Advocates said thousands of others are serving similar sentences today.",
            "2018-06-06",
            0.8,
        ),
        _hit("wire", SHARED, "2018-06-06", 0.7, paragraph=3),
        _hit("copy", SHARED + " Again.", "2018-06-07", 0.6),  # the same article again: never merged
    ]
    assert group_copies(hits) == [[0, 2], [1], [3]]
    first, other, again = merge_copies(hits)
    assert first.article.doc_id == "wire" and first.score == 0.9  # the earliest, at the best rank
    assert [h.article.doc_id for h in first.also] == ["copy"] and first.is_verbatim()
    assert other.also == () and again.article.doc_id == "copy"


def test_a_sentence_inside_a_longer_paragraph_is_not_the_same_passage() -> None:
    longer = (
        SHARED + " Her lawyers said she would live with her family in Memphis after her release from prison."
    )
    assert group_copies([_hit("a", SHARED, None, 1.0), _hit("b", longer, None, 0.9)]) == [[0], [1]]


@pytest.fixture
def two_outlets(tmp_path: Path) -> Engine:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pages = DATA / "library" / "sources"
    assert (
        add(
            [
                "--force",
                str(pages / "capital-wire.html"),
                str(pages / "lakeside-daily-copy.html"),
                "--corpus",
                str(corpus),
            ]
        )
        == 0
    )
    write_article(corpus, "unrelated.md", "The zebra committee met on Tuesday.", title="Zebras")
    return open_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), HashEmbedder())


def test_a_syndicated_copy_is_one_hit_with_also_in(two_outlets: Engine) -> None:
    answer = two_outlets.retriever.ask("What did Johnson say in the statement released by her lawyers?")
    assert answer.answered
    top = answer.hits[0]
    assert "given my life back" in top.passage.text
    assert {top.article.outlet, *(o.article.outlet for o in top.also)} == {"Capital Wire", "Lakeside Daily"}
    assert all(h.is_verbatim() for h in answer.hits)
    texts = [h.passage.text for h in answer.hits]
    assert len(texts) == len(set(texts))  # the same words are never shown twice
    record = answer_to_json(answer)["hits"][0]
    (other,) = record["also_in"]
    assert set(other) == {
        "doc_id",
        "title",
        "author",
        "outlet",
        "published",
        "url",
        "paragraph",
        "start",
        "end",
    }
    body = two_outlets.index.articles[other["doc_id"]].body
    assert body[other["start"] : other["end"]] == top.also[0].passage.text  # verbatim in its own article
    assert "also in: Lakeside Daily (paragraph " in answer_to_text(
        answer
    ) or "also in: Capital Wire" in answer_to_text(answer)
    fields = dict(ask_reply(answer, footer="f").embeds[0].fields)
    assert "paragraph" in fields["Also in"]


def test_no_also_in_key_without_copies(two_outlets: Engine) -> None:
    record = answer_to_json(two_outlets.retriever.ask("When did the zebra committee meet?"))
    assert record["hits"] and all("also_in" not in h for h in record["hits"][:1])
