"""Data for fitting and reporting the passage ranking (bot.ranking.ranker): per question, its
candidates' features and which candidates answer it. Tuning parts only: the SQuAD fit half
(the gold passage answers), the test library's tune part and the team's own questions on the
bundled article (a passage holding one of the answer strings answers)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.measure.case import contains_any
from bot.questions import make_question
from bot.ranking.features import Features
from bot.ranking.ranker import rank_rows, sentence_rows
from bot.ranking.retriever import Retriever

Group = tuple[np.ndarray, np.ndarray]


def question_features(retriever: Retriever, question: str) -> Features | None:
    """The question's candidates and their features, as the bot cleans and finds them (None:
    an unusable question or no candidate)."""
    cleaned, _ = make_question(question)
    if cleaned is None:
        return None
    reading = retriever.read(cleaned.text)  # as Retriever.ask reads it
    text, sources = reading.text, reading.sources
    vector = retriever.embedder.embed([text])[0]
    only = retriever.rows_of(sources) if sources is not None else None
    return retriever.features(text, vector, candidates=retriever.weights.candidates, only=only)


def candidate_group(retriever: Retriever, question: str, answers: Callable[[int], bool]) -> Group | None:
    """The question's candidates: features and labels."""
    found = question_features(retriever, question)
    if found is None:
        return None
    w = retriever.weights
    labels = np.array([answers(int(r)) for r in found.rows], dtype=bool)
    return rank_rows(found, w.rank_focus, w.type_bonus), labels


def text_answers(retriever: Retriever, strings: list[str]) -> Callable[[int], bool]:
    """A passage answers when it holds one of the answer strings."""
    passages = retriever.index.passages

    def holds(row: int) -> bool:
        return contains_any(passages[row].text, strings)

    return holds


def sentence_groups(
    retriever: Retriever, question: str, answers: Callable[[int], bool], strings: list[str]
) -> list[Group]:
    """For the answer-sentence ranking: the sentences of each candidate passage that answers
    the question, labelled by whether they hold one of the answer strings (only passages where
    some but not every sentence does)."""
    found = question_features(retriever, question)
    if found is None:
        return []
    rows = sentence_rows(found)
    passages = retriever.index.passages
    out = []
    for i, row in enumerate(found.rows.tolist()):
        if not answers(int(row)):
            continue
        at = slice(int(found.starts[i]), int(found.starts[i] + found.counts[i]))
        labels = np.array([contains_any(t, strings) for t in passages[int(row)].sentence_texts()], dtype=bool)
        if len(labels) == rows[at].shape[0] and labels.any() and not labels.all():
            out.append((rows[at], labels))
    return out
