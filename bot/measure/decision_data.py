"""Data for fitting and reporting the answered decision (bot.ranking.decision).

Each example is one question asked of one corpus: the features of its top passage and whether
the corpus covers it. Sources, each kept to its part:

- SQuAD v1.1 dev (../shared/bench, evaluation data read in place, never copied), split by
  article with a seeded shuffle of the titles: a question against the whole index is answerable,
  the same question against every passage but its own article's is not (the usual construction),
  nor against the other paragraphs of its own Wikipedia article (a near miss: the same people
  and places, not the answer; skipped where such a paragraph holds an answer string);
- the bundled corpus with the team's questions (tests/data/questions.jsonl, tune) and the near
  misses written about the case's people (tests/data/near_misses.jsonl, by part);
- the test library (tests/data/library) with its question file's tune part and the near misses.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.index import Index
from bot.measure.beir import read_answers, read_beir
from bot.questions import make_question
from bot.ranking.retriever import Retriever, ScoredPassage

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
NEAR_MISSES = DATA / "near_misses.jsonl"
PARAPHRASES = DATA / "paraphrases.jsonl"
SEED = 2026


@dataclass
class Examples:
    rows: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def add(self, row: np.ndarray | None, label: int, group: str) -> None:
        if row is not None:
            self.rows.append(row)
            self.labels.append(label)
            self.groups.append(group)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Features, labels, and weights making every (group, label) cell weigh the same."""
        x = np.vstack(self.rows)
        y = np.array(self.labels, dtype=np.float64)
        cells = list(zip(self.groups, self.labels, strict=True))
        counts = Counter(cells)
        w = np.array([1.0 / counts[c] for c in cells]) * len(cells) / len(counts)
        return x, y, w


def top_passage(
    retriever: Retriever, question: str, only: np.ndarray | None = None
) -> tuple[str, ScoredPassage] | None:
    """The question as the bot cleans it and its top passage among the rows ``only`` (all when
    None), as Retriever.ask ranks them (None: an unusable question or no candidate)."""
    cleaned, _ = make_question(question)
    if cleaned is None:
        return None
    reading = retriever.read(cleaned.text)
    text, sources = reading.text, reading.sources
    if only is None and sources is not None:  # "According to the Valley Gazette, ...", as ask reads it
        only = retriever.rows_of(sources)
    vector = retriever.embedder.embed([text])[0]
    ranked = retriever.rank(text, vector, limit=1, only=only)
    return (text, ranked[0]) if ranked else None


def top_evidence(retriever: Retriever, question: str, only: np.ndarray | None = None) -> np.ndarray | None:
    """The decision's features of the question's top passage (None: no candidate, or a question
    that a rule decides rather than the model: see ``decided_by_rule``)."""
    found = top_passage(retriever, question, only)
    return retriever.evidence(*found) if found and not decided_by_rule(retriever, *found) else None


def decided_by_rule(retriever: Retriever, question: str, top: ScoredPassage) -> bool:
    """The answered decision's model does not decide this cleaned question on its top passage
    ("Who is X?", and "What is X?" when the answer sentence says what X is:
    bot.ranking.definitions), so it is not one to fit the model on."""
    return retriever.descriptions.decides(question, top.row, top.answer) is not None


def squad_half(directory: Path, half: str, seed: int) -> tuple[Any, dict[str, str], list[str]]:
    """SQuAD read, its passages' titles, and the question ids of one half of its articles (a
    seeded shuffle of the titles, the first half "fit", the rest "test"), shuffled by the seed."""
    data = read_beir(directory)
    title_of = {a.doc_id: a.title for a in data.articles}
    titles = sorted(set(title_of.values()))
    random.Random(seed).shuffle(titles)
    middle = len(titles) // 2
    wanted = set(titles[:middle] if half == "fit" else titles[middle:])
    doc_of = {q: next(iter(docs)) for q, docs in data.qrels.items() if docs}
    picked = sorted(q for q in data.queries if q in doc_of and title_of.get(doc_of[q]) in wanted)
    random.Random(seed).shuffle(picked)
    return data, title_of, picked


def squad_gold(directory: Path, half: str, count: int, seed: int = SEED) -> list[tuple[str, set[str]]]:
    """``count`` questions of one half with the ids of the passages that answer them."""
    data, _, picked = squad_half(directory, half, seed)
    return [(data.queries[q], set(data.qrels[q])) for q in picked[:count]]


def squad_questions(
    directory: Path, index: Index, half: str, count: int, seed: int = SEED
) -> list[tuple[str, np.ndarray]]:
    """``count`` questions (seeded sample) of one half ("fit" or "test") of SQuAD's articles,
    split by a seeded shuffle of their titles: (question, the rows of every other article)."""
    data, title_of, picked = squad_half(directory, half, seed)
    doc_of = {q: next(iter(docs)) for q, docs in data.qrels.items() if docs}
    article_of = index.passages.article_of
    numbers = _articles_by_title(index, title_of)
    title_rows: dict[str, np.ndarray] = {}
    out = []
    for qid in picked[:count]:
        title = title_of[doc_of[qid]]
        if title not in title_rows:
            own = numbers.get(title, [])
            title_rows[title] = np.flatnonzero(~np.isin(article_of, own)).astype(np.int64)
        out.append((data.queries[qid], title_rows[title]))
    return out


def _articles_by_title(index: Index, title_of: dict[str, str]) -> dict[str, list[int]]:
    """The index's article numbers of each SQuAD title (its paragraphs), in index order."""
    numbers: dict[str, list[int]] = {}
    for n, doc in enumerate(index.passages.doc_ids):
        if doc in title_of:
            numbers.setdefault(title_of[doc], []).append(n)
    return numbers


def squad_siblings(
    directory: Path, index: Index, half: str, count: int, seed: int = SEED
) -> list[tuple[str, np.ndarray, list[str]]]:
    """The same ``count`` questions as ``squad_questions``, each with the rows of the other
    paragraphs of its own Wikipedia article (same title, same people and places, not the
    paragraph the question was written on) and its answer strings: the near miss of a
    growing case library (a source that names the question's people and does not answer it),
    made from data. Questions whose article has no other paragraph are left out."""
    data, title_of, picked = squad_half(directory, half, seed)
    answers = read_answers(directory)
    article_of = index.passages.article_of
    numbers = _articles_by_title(index, title_of)
    doc_ids = index.passages.doc_ids
    out = []
    for qid in picked[:count]:
        gold = set(data.qrels[qid])
        own = next(iter(gold))
        siblings = [n for n in numbers.get(title_of[own], []) if doc_ids[n] not in gold]
        if siblings:
            rows = np.flatnonzero(np.isin(article_of, siblings)).astype(np.int64)
            out.append((data.queries[qid], rows, answers.get(qid, [])))
    return out
