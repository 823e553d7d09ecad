"""Retriever logic with the deterministic fake embedder (no model, no torch)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.chunking import is_heading
from bot.config import Settings
from bot.embedding import HashEmbedder
from bot.engine import Engine, open_engine
from bot.models import Span
from bot.questions import MAX_QUESTION_CHARS, clean_question
from bot.ranking.speakers import asked_speaker
from bot.replies import NOT_ANSWERED, answer_to_json, answer_to_text, marked_passage
from tests.conftest import write_article

QUESTIONS = [
    "Who commuted Alice Marie Johnson's sentence?",
    "What did the judge call Johnson?",
    "how much cocaine",
    "1996",
    "@everyone what did Kardashian tweet? <@&123456>",
    "**bold** `code` [link](https://example.com) ||spoiler||",
    "ما هو الحكم على جونسون؟",  # right-to-left text
    "Johnson\u200b\u200d's sentence\u200f",
    "Ms. U.S. Jr. !!!! “quoted” ‘single’",
    "prison " * 50,
]


@pytest.fixture
def engine(settings: Settings, fake_embedder: HashEmbedder) -> Engine:
    return open_engine(settings, fake_embedder)


def test_every_hit_is_verbatim_over_many_questions(engine: Engine) -> None:
    body_words = engine.index.articles["alice-marie-johnson-bustle"].body.split()
    questions = QUESTIONS + [" ".join(body_words[i : i + 6]) for i in range(0, len(body_words), 7)]
    seen_paragraphs = set()
    for question in questions:
        answer = engine.retriever.ask(question, k=10)
        for hit in answer.hits:
            body = hit.article.body
            assert body[hit.passage.start : hit.passage.end] == hit.passage.text
            assert hit.answer_text in hit.passage.text
            assert hit.is_verbatim()
            record = answer_to_json(answer)["hits"][0]
            assert body[record["start"] : record["end"]] == record["text"]
            assert record["answer"] in record["text"]
            seen_paragraphs.add(hit.passage.paragraph)
    assert seen_paragraphs == set(range(1, 11))  # every passage of the corpus was checked


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("", "Please type a question"),
        ("   \n\t ", "Please type a question"),
        ("\u200b\u200c\u200d", "Please type a question"),
        ("?!?!... ---", "in words"),
        ("🙂🙂🔥", "in words"),
        ("x" * 10_000, "too long"),
    ],
)
def test_unusable_questions_get_one_line(engine: Engine, question: str, words: str) -> None:
    answer = engine.retriever.ask(question)
    assert not answer.answered and not answer.hits
    assert answer.message and words in answer.message and "\n" not in answer.message
    assert answer_to_text(answer) == answer.message
    assert answer_to_json(answer)["message"] == answer.message


def test_odd_but_usable_questions_get_an_answer_or_a_decline(engine: Engine) -> None:
    for question in QUESTIONS:
        answer = engine.retriever.ask(question)
        assert answer.message is None
        text = answer_to_text(answer)
        assert text.startswith("Q: ")
        if not answer.answered:
            assert NOT_ANSWERED in text


def test_clean_question_removes_invisible_characters() -> None:
    assert clean_question("Who\u200b commuted\u202e it?\x00") == ("Who commuted it?", None)
    assert clean_question("a" * MAX_QUESTION_CHARS)[1] is None


def test_k_limits_hits_and_related_are_at_most_two(engine: Engine) -> None:
    answer = engine.retriever.ask("judge cocaine quintessential entrepreneur", k=5)
    assert answer.answered and len(answer.hits) == 5
    assert len(engine.retriever.ask("judge", k=1).hits) <= 1
    engine.retriever.weights = dataclasses.replace(
        engine.retriever.weights, threshold=99.0, decision=None
    )  # nothing can be answered now (the hand rule, with a threshold no confidence reaches)
    declined = engine.retriever.ask("judge cocaine quintessential entrepreneur", k=5)
    assert not declined.answered and len(declined.hits) <= 2


def test_text_output_marks_the_answer_and_cites(engine: Engine) -> None:
    answer = engine.retriever.ask("quintessential entrepreneur judge")
    text = answer_to_text(answer)
    hit = answer.hits[0]
    assert f"**{hit.answer_text}**" in marked_passage(hit)
    assert "Bustle, by Morgan Brinlee, 2018-06-06, paragraph 8" in text


def test_json_contract_fields(engine: Engine) -> None:
    record = answer_to_json(engine.retriever.ask("What did the judge call Johnson?"))
    # the first contract's keys, and "disagreement" added ([] when the sources agree)
    assert set(record) == {"question", "answered", "hits", "disagreement"} and record["disagreement"] == []
    hit = record["hits"][0]
    assert set(hit) == {
        "doc_id",
        "title",
        "author",
        "outlet",
        "published",
        "url",
        "paragraph",
        "start",
        "end",
        "text",
        "answer",
        "score",
    }
    assert isinstance(hit["paragraph"], int) and hit["paragraph"] >= 1
    assert isinstance(hit["score"], float)


def test_a_repeated_question_is_answered_from_the_cache(settings, fake_embedder) -> None:
    from bot.engine import open_engine

    engine = open_engine(settings, fake_embedder)
    first = engine.retriever.ask("What did the judge call Johnson?")
    calls = fake_embedder.calls
    again = engine.retriever.ask("  what did the judge call JOHNSON? ")
    assert fake_embedder.calls == calls  # not embedded again
    assert again.hits == first.hits and again.question == "  what did the judge call JOHNSON? "
    other_k = engine.retriever.ask("What did the judge call Johnson?", k=1)
    assert fake_embedder.calls == calls + 1 and len(other_k.hits) <= 1


def test_an_article_title_counts_for_ranking_but_not_for_the_answered_decision(
    tmp_path, fake_embedder: HashEmbedder
) -> None:
    """Coverage for ranking includes the passage's article title; confidence does not."""
    import hashlib

    import numpy as np

    from bot.index import build_index, load_index
    from bot.models import Article
    from bot.ranking.retriever import Retriever

    body = "The stripes are black and white.\n\nZebras confuse biting flies."
    articles = [
        Article(
            doc_id=doc_id, title=title, body=body, content_hash=hashlib.sha256(title.encode()).hexdigest()
        )
        for doc_id, title in (("a-penguins", "Penguins"), ("b-zebras", "Why zebras are striped"))
    ]
    build_index(articles, fake_embedder, tmp_path / "index")
    retriever = Retriever(load_index(tmp_path / "index", model=fake_embedder.name), fake_embedder)
    question = "Why do zebras have stripes?"
    ranked = retriever.rank(question, fake_embedder.embed([question])[0])
    by_doc = {retriever.index.passages[r.row].doc_id: r for r in ranked if r.answer.start == 0}
    zebra, penguin = by_doc["b-zebras"], by_doc["a-penguins"]
    assert ranked[0] is zebra and zebra.score > penguin.score  # same text, only the title differs
    assert np.isclose(zebra.confidence, penguin.confidence)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("who is jared kushner", "Who is Jared Kushner"),
        ("WHO IS JARED KUSHNER?", "Who is Jared Kushner?"),
        ("what did the white house say about kim's tweet", "What did the White House say about Kim's tweet"),
        ("  what is mic?", "  What is Mic?"),
        # capitals of the asker's own are kept, even where they are not the corpus's
        ("who is jared Kushner", "who is jared Kushner"),
        ("Who is Mr. kushner", "Who is Mr. kushner"),
        ("how long was she in prison", "How long was she in prison"),  # no name
        ("1996?", "1996?"),
        ("", ""),
    ],
)
def test_a_question_typed_without_capitals_is_read_with_the_corpus_names(typed: str, read: str) -> None:
    from bot.analysis import recased, terms

    names = frozenset(t for w in ("Jared", "Kushner", "White", "House", "Kim", "Mic") for t in terms(w))
    assert recased(typed, names) == read


@pytest.mark.parametrize(
    ("question", "outlets", "rest"),
    [
        (
            "According to the Valley Gazette, how long had she served?",
            ["The Valley Gazette"],
            "How long had she served?",
        ),
        (
            "how long had she served, according to the valley gazette",
            ["The Valley Gazette"],
            "how long had she served",
        ),
        ("What was in the Evening Post's story?", ["The Evening Post"], "What was in story?"),
        (
            "Did the Evening Post and the Valley Gazette agree?",
            ["The Evening Post", "The Valley Gazette"],
            "Did and agree?",
        ),
        ("What does Reason say about it?", ["Reason"], "What does say about it?"),
        # a one-word outlet only as it is written, and not as the first word
        ("What was the reason for it?", [], "What was the reason for it?"),
        ("Reason enough to free her?", [], "Reason enough to free her?"),
        ("What did the Gazette say?", [], "What did the Gazette say?"),  # not the whole name
        ("What do the Evening Posts say?", [], "What do the Evening Posts say?"),
    ],
)
def test_the_outlets_a_question_names(question: str, outlets: list[str], rest: str) -> None:
    from bot.source_choice import NamedOutlets

    named = NamedOutlets(["The Valley Gazette", "The Evening Post", "Reason", None, " "])
    assert named.named(question) == (outlets, rest)


def test_british_spellings_and_prefix_hyphens_find_the_other_form(
    tmp_path, fake_embedder: HashEmbedder
) -> None:
    """Keyword terms fold British spellings into American ones and drop a prefix's hyphen, on
    both sides of a match."""
    import hashlib

    from bot.analysis import terms
    from bot.index import build_index, load_index
    from bot.models import Article
    from bot.ranking.retriever import Retriever

    assert terms("offence organisations programme") == terms("offense organizations program")
    assert terms("colourful hour four") == ["color", "hour", "four"]  # only the table's words
    # a prefix's hyphen is dropped, any other kept as a break between words
    assert terms("non-violent co\u2010founded") == terms("nonviolent cofounded") == ["nonviol", "cofound"]
    assert terms("first-time mid-1990s") == ["first", "time", "mid", "1990s"]
    bodies = {  # the unrelated article first: a question matching nothing ranks it first
        "a-other": "The weather in Memphis was warm and dry on Sunday.",
        "b-us": "She was serving a life term for a first-time nonviolent drug offense.",
        "c-uk": "The defence programme of the organisation ended in the spring.",
    }
    articles = [
        Article(doc_id=d, title="Notes", body=b, content_hash=hashlib.sha256(b.encode()).hexdigest())
        for d, b in bodies.items()
    ]
    build_index(articles, fake_embedder, tmp_path / "index")
    retriever = Retriever(load_index(tmp_path / "index", model=fake_embedder.name), fake_embedder)
    for question, doc in (
        ("What was her offence?", "b-us"),
        ("Was it non-violent?", "b-us"),
        ("What became of the defense program?", "c-uk"),
    ):
        ranked = retriever.rank(question, fake_embedder.embed([question])[0], mode="keyword")
        assert retriever.index.passages[ranked[0].row].doc_id == doc, question


def test_the_retriever_ranks_by_the_formula_with_the_weights_it_was_given(engine: Engine) -> None:
    from bot.ranking.retriever import Retriever
    from bot.ranking.score import order, score
    from bot.ranking.weights import RankWeights

    question = "What did the judge call Johnson?"
    query = engine.embedder.embed([question])[0]
    retriever = engine.retriever
    found = retriever.features(question, query)
    assert found is not None and len(found.rows) == len(engine.index.passages)  # a small corpus: all
    want = score(found, retriever.weights)
    ranked = retriever.rank(question, query)
    assert [r.row for r in ranked] == found.rows[order(want, found.rows)].tolist()
    assert [r.score for r in ranked] == sorted(want.score.tolist(), reverse=True)

    strict = Retriever(engine.index, engine.embedder, weights=RankWeights(threshold=5.0))
    assert retriever.ask(question).answered and not strict.ask(question).answered
    dense_only = Retriever(engine.index, engine.embedder, weights=RankWeights(sentence=0.0, coverage=0.0))
    top = dense_only.rank(question, query)[0].row
    assert top == int(found.rows[found.passage_cos.argmax()])


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("What did Trump tweet about Johnson?", "Trump"),
        ("What did Sarah Huckabee Sanders say in the statement?", "Sarah Huckabee Sanders"),
        ("what did Kardashian tell Mic?", "Kardashian"),
        ("What did Van Jones call the pardon?", "Van Jones"),
        ("What did the judge call Johnson?", None),  # a role: not told apart from a speaker
        ("What did she say?", None),
        ("What did Johnson do inside?", None),  # no verb of saying
        ("What did Kardashian hope the president would do?", None),
    ],
)
def test_the_name_whose_words_a_question_asks_for(question: str, speaker: str | None) -> None:
    assert asked_speaker(question) == speaker


def test_another_persons_words_do_not_answer_a_question_for_a_named_persons(
    tmp_path: Path, fake_embedder: HashEmbedder
) -> None:
    corpus = tmp_path / "reactions"
    corpus.mkdir()
    write_article(
        corpus,
        "reactions.md",
        '"Best news ever," Kim Kardashian wrote on Wednesday after the commutation. '
        "Donald Trump spoke to reporters about the decision later that day.",
        title="Reactions to the commutation",
    )
    engine = open_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), fake_embedder)
    retriever = engine.retriever
    body = engine.index.articles["reactions"].body
    start = body.index('"Best')
    for question, others in (
        ("What did Trump tweet after the commutation?", True),
        ("What did Kim Kardashian write after the commutation?", False),
        ("What did Kardashian write after the commutation?", False),
        ("Who wrote about the commutation?", False),  # not a question for one person's words
    ):
        # the passage, with the tweet's sentence as its answer sentence
        ranked = retriever.rank(question, fake_embedder.embed([question])[0])[0]
        top = dataclasses.replace(ranked, answer=Span(start, body.index(" Donald")))
        assert retriever.words_of_another(question, top) is others, question
        if others:
            assert not retriever.answers(question, top)


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("UNITED STATES DISTRICT COURT, WESTERN DISTRICT OF TENNESSEE", True),
        ("Best news ever", True),
        ("MEMORANDUM OPINION AND ORDER", True),
        ("The court sentenced the defendant to life in prison.", False),
        ('"BEST NEWS EVER!!!!"', False),
        ("She called it 'the best news.'", False),
        ("He is a former public defender (and a columnist)", False),
        ("word " * 40, False),  # a long line without a full stop is prose, not a heading
    ],
)
def test_a_heading_is_a_short_line_that_does_not_end_as_a_sentence(line: str, heading: bool) -> None:
    assert is_heading(line.strip()) is heading


def test_a_heading_never_answers_a_question(tmp_path: Path, fake_embedder: HashEmbedder) -> None:
    """A court record's caption labels and states nothing: the question it matches is declined,
    the caption shown as a related passage; the same words as a sentence answer it."""
    answered = {}
    for name, first in (
        ("caption", "UNITED STATES DISTRICT COURT, WESTERN DISTRICT OF TENNESSEE"),
        (
            "statement",
            "The case was heard in the United States District Court, Western District of Tennessee.",
        ),
    ):
        corpus = tmp_path / name
        corpus.mkdir()
        write_article(
            corpus,
            "opinion.md",
            f"{first}\n\nThe defendant was found guilty by a jury in 1996.",
            title="Memorandum opinion",
        )
        engine = open_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / f"{name}-index"), fake_embedder)
        answer = engine.retriever.ask("Which district court heard the case in Tennessee?")
        assert answer.hits[0].passage.paragraph == 1
        answered[name] = answer.answered
    assert answered == {"caption": False, "statement": True}


def test_a_precise_value_asked_for_must_be_in_the_answer_sentence(
    tmp_path: Path, fake_embedder: HashEmbedder
) -> None:
    """ "How old ...", "how many ...", "what year ...": a bold sentence without an age, a count
    or a year is no answer, however well it matches the rest (it is shown as related)."""
    answered = {}
    for name, sentence in (
        ("without", "Marcus Bell is a former public defender and a columnist for the Ledger."),
        ("with", "Marcus Bell, 52, is a former public defender and a columnist for the Ledger."),
    ):
        corpus = tmp_path / name
        corpus.mkdir()
        write_article(corpus, "column.md", f"{sentence}\n\nHe writes about the courts.", title="A column")
        engine = open_engine(Settings(corpus_dir=corpus, index_dir=tmp_path / f"{name}-index"), fake_embedder)
        answer = engine.retriever.ask("How old is the columnist Marcus Bell?")
        assert answer.hits[0].passage.paragraph == 1
        answered[name] = answer.answered
    assert answered == {"without": False, "with": True}
