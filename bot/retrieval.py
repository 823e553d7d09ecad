"""The Retriever: question in, cited verbatim hits out.

1. Candidates: the passages nearest to the question by dense vectors (FAISS) together with
   the best BM25 passages.
2. Each candidate's sentences are scored: cosine similarity to the question, plus
   TYPE_BONUS when a sentence holds the kind of thing the question asks for (a year for
   "when", a duration for "how long", a quotation for "what did X say"), plus the question's
   focus terms (its keyword terms other than names) that the sentence holds, each weighted
   by how few sentences of the passage hold it: W_RANK_FOCUS of that for ranking passages,
   W_ANSWER_FOCUS for picking the answer sentence inside a passage.
3. A passage scores ``W_PASSAGE * cos(passage) + W_SENTENCE * best sentence
   + W_COVERAGE * coverage`` where coverage is the IDF-weighted share of the question's
   keyword terms found in the passage or in its article's title (the passage's context).
4. ``answered`` holds when the confidence of the top passage (its best sentence's cosine
   plus ``W_CONF_COVERAGE`` * the coverage of the passage alone, without the title) reaches
   ``ANSWER_THRESHOLD``. See README, "Scores".
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from bot.analysis import terms
from bot.answer_types import wanted_types
from bot.embedding import Embedder
from bot.models import Answer, Hit, Passage, Span
from bot.store import Index

MAX_QUESTION_CHARS = 1000
W_PASSAGE = 0.25
W_SENTENCE = 0.45
W_COVERAGE = 0.30
W_RANK_FOCUS = 0.30  # focus terms in a sentence, for ranking passages
W_ANSWER_FOCUS = 0.80  # ... and for picking the answer sentence within a passage
TYPE_BONUS = 0.10
W_CONF_COVERAGE = 0.20
ANSWER_THRESHOLD = 0.33  # calibrated: see README "Scores and the answered decision"
RELATED_FLOOR = 0.20  # below this confidence a passage is not even shown as related
MAX_RELATED = 2
CANDIDATES = 100
MODES = ("hybrid", "dense", "keyword")
ANSWER_CACHE = 1024  # recent questions whose answers are kept

EXAMPLE_QUESTION = "Who commuted Alice Marie Johnson's sentence?"

# Characters that change nothing a reader sees but break matching: zero-width and bidi controls.
_INVISIBLE = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200D,
        0x2060,
        0xFEFF,
        0x00AD,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)


@dataclass(frozen=True)
class ScoredPassage:
    row: int
    score: float
    confidence: float
    answer: Span


def clean_question(
    question: str, example: str = EXAMPLE_QUESTION, noun: str = "question", limit: int = MAX_QUESTION_CHARS
) -> tuple[str, str | None]:
    """The question with invisible characters removed, and a one-line notice if unusable."""
    text = unicodedata.normalize("NFC", question).translate(_INVISIBLE)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        return "", f"Please type a {noun}, for example: {example}"
    if len(text) > limit:
        return "", (f"That {noun} is too long ({len(text):,} characters); please keep it under {limit:,}.")
    if not any(ch.isalnum() for ch in text):
        return "", f"Please type a {noun} in words, for example: {example}"
    return text, None


class Retriever:
    """Hybrid search over one loaded Index. Synchronous and thread-safe for reading."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        threshold: float = ANSWER_THRESHOLD,
        cache_size: int = ANSWER_CACHE,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.threshold = threshold
        # answers to recent questions (one index never changes: a new index gets a new Retriever)
        self._cache: OrderedDict[tuple[str, int, float], Answer] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        scores = index.keyword.scores
        self._indptr = np.asarray(scores["indptr"])
        # plain views of the memory-mapped arrays: slicing a np.memmap costs more than the work
        self._postings = _plain(scores["indices"])  # passage ids holding each term, ascending
        self._vocab: dict[str, int] = index.keyword.vocab_dict
        self._n = max(len(index.passages), 1)
        self._sentence_rows = index.passages.sentence_rows
        self._sentence_counts = index.passages.sentence_counts
        self._sentence_spans = index.passages.spans
        if index.sentence_terms is None or index.sentence_term_rows is None or index.sentence_types is None:
            raise ValueError("this index has no sentence terms or kinds (an older format): reindex it")
        self._sentence_types = np.asarray(index.sentence_types)  # uint8 bits
        self._sentence_terms = _plain(index.sentence_terms)
        self._vectors = _plain(index.vectors)
        self._sentence_vectors = _plain(index.sentence_vectors)
        self._term_rows = np.asarray(index.sentence_term_rows, dtype=np.int64)
        self._article_of = index.passages.article_of
        self._title_cache: dict[int, frozenset[int]] = {}

    # ------------------------------------------------------------ public

    def ask(self, question: str, k: int = 3, *, timings: dict[str, float] | None = None) -> Answer:
        """Answer one question with up to ``k`` hits (fewer, labelled related, if unanswered).

        With ``timings``, the seconds of each stage are added to it (python -m bot.bench).
        """
        text, notice = clean_question(question)
        if notice is not None:
            return Answer(question=question, answered=False, hits=(), message=notice)
        if not self.index.passages:
            return Answer(question=question, answered=False, hits=())
        key = (text.casefold(), k, self.threshold)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None:
            return dataclasses.replace(cached, question=question)
        started = time.perf_counter()
        query = self.embedder.embed([text])[0]
        if timings is not None:
            timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - started
        ranked = self.rank(text, query, limit=max(k, 1), timings=timings)
        answered = bool(ranked) and ranked[0].confidence >= self.threshold
        if answered:
            chosen = ranked[: max(k, 1)]
        else:
            chosen = [r for r in ranked[: min(k, MAX_RELATED)] if r.confidence >= RELATED_FLOOR]
        answer = Answer(question=question, answered=answered, hits=tuple(self._hit(r) for r in chosen))
        if self._cache_size:
            with self._cache_lock:
                self._cache[key] = answer
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return answer

    def rank(
        self,
        question: str,
        query: np.ndarray,
        *,
        mode: str = "hybrid",
        candidates: int = CANDIDATES,
        limit: int | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[ScoredPassage]:
        """Candidate passages for a cleaned question, best first (the first ``limit`` of them).

        ``mode`` "hybrid" is the product's ranking; "dense" (passage cosine only) and "keyword"
        (BM25 only) exist to measure it against (python -m bot.eval beir --mode).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        index = self.index
        query_terms = terms(question)
        weights = {t: self._idf(t) for t in query_terms}
        total = sum(weights.values())
        wanted = wanted_types(question)
        # what the question asks about, without the names it mentions
        focus = {t for t in query_terms if t not in index.names}
        known = [t for t in weights if t in self._vocab]
        # BM25 over the whole corpus is only needed to pick candidates or to rank by it
        needed = mode == "keyword" or (mode == "hybrid" and len(index.passages) > candidates)
        clock = _Clock(timings)
        keyword = index.keyword.get_scores(known) if known and needed else None
        clock.lap("keyword")
        rows = np.asarray(self._candidates(query, keyword, mode, candidates), dtype=np.int64)
        clock.lap("dense")
        if not len(rows):
            return []

        # every sentence of every candidate, grouped by candidate
        counts = self._sentence_counts[rows]
        starts = np.zeros(len(rows), dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        sentences = _ranges(self._sentence_rows[rows], counts)
        passage_cos = self._vectors[rows].astype(np.float32, copy=False) @ query
        sentence_cos = (self._sentence_vectors[sentences].astype(np.float32, copy=False) @ query).astype(
            np.float64
        )

        # which of the question's known terms each candidate passage and sentence holds
        ids = np.array([self._vocab[t] for t in known], dtype=np.int64)
        idf = np.array([weights[t] for t in known], dtype=np.float64)
        in_passage = self._passages_holding(ids, rows)
        in_sentence = self._sentences_holding(ids, sentences)
        if total > 0:
            coverage = in_passage @ idf / total
            # for ranking, a passage also holds its article's title (its context)
            with_title = (in_passage | self._titles_holding(ids, rows)) @ idf / total
        else:
            coverage = with_title = np.zeros(len(rows))

        # focus terms, each weighted by 1 / (sentences of its passage that hold it)
        held: np.ndarray | float = 0.0
        focus_columns = [j for j, t in enumerate(known) if t in focus]
        if focus_columns:
            held_focus = in_sentence[:, focus_columns].astype(np.float64)
            per_passage = np.add.reduceat(held_focus, starts, axis=0)
            local = np.divide(1.0, per_passage, out=np.zeros_like(per_passage), where=per_passage > 0)
            owner = np.repeat(np.arange(len(rows)), counts)
            held = (held_focus * local[owner]).sum(axis=1) / len(focus)
        # TYPE_BONUS for a sentence holding what the question asks for (kinds stored per sentence)
        base = sentence_cos + (
            TYPE_BONUS * ((self._sentence_types[sentences] & wanted) > 0) if wanted else 0.0
        )
        best_rank = np.maximum.reduceat(base + W_RANK_FOCUS * held, starts)
        answer_scores = base + W_ANSWER_FOCUS * held

        # each candidate's answer sentence: the first of its best-scoring sentences
        best_answer = np.repeat(np.maximum.reduceat(answer_scores, starts), counts)
        tops = np.flatnonzero(answer_scores == best_answer)
        chosen = tops[np.searchsorted(tops, starts)]
        if mode == "dense":
            scores = passage_cos.astype(np.float64)
        elif mode == "keyword":
            scores = keyword[rows].astype(np.float64) if keyword is not None else np.zeros(len(rows))
        else:
            scores = (
                W_PASSAGE * passage_cos.astype(np.float64) + W_SENTENCE * best_rank + W_COVERAGE * with_title
            )
        confidence = sentence_cos[chosen] + W_CONF_COVERAGE * coverage
        order = np.lexsort((rows, -scores))[:limit]  # best first; equal scores by row
        answers = self._sentence_spans[sentences[chosen]]
        scored = [
            ScoredPassage(
                row=int(rows[i]),
                score=float(scores[i]),
                confidence=float(confidence[i]),
                answer=Span(int(answers[i, 0]), int(answers[i, 1])),
            )
            for i in order.tolist()
        ]
        clock.lap("rank")
        return scored

    def _passages_holding(self, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(candidates, terms): the passage holds the term (from the BM25 postings)."""
        out = np.zeros((len(rows), len(ids)), dtype=bool)
        for j, term in enumerate(ids.tolist()):
            postings = self._postings[self._indptr[term] : self._indptr[term + 1]]
            if len(postings):
                at = np.minimum(np.searchsorted(postings, rows), len(postings) - 1)
                out[:, j] = postings[at] == rows
        return out

    def _titles_holding(self, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(candidates, terms): the title of the candidate's article holds the term."""
        wanted = ids.tolist()
        articles, inverse = np.unique(self._article_of[rows], return_inverse=True)
        table = np.array(
            [[t in self._title_terms(a) for t in wanted] for a in articles.tolist()], dtype=bool
        ).reshape(len(articles), len(wanted))
        return table[inverse]

    def _title_terms(self, article: int) -> frozenset[int]:
        """The vocabulary ids of an article title's keyword terms, computed once per article."""
        found = self._title_cache.get(article)
        if found is None:
            title = self.index.articles.titles[article]
            found = frozenset(self._vocab[t] for t in terms(title) if t in self._vocab)
            self._title_cache[article] = found
        return found

    def _sentences_holding(self, ids: np.ndarray, sentences: np.ndarray) -> np.ndarray:
        """(sentences, terms): the sentence holds the term (term ids stored with the index)."""
        out = np.zeros((len(sentences), len(ids)), dtype=bool)
        if not len(ids):
            return out
        lo, hi = self._term_rows[sentences], self._term_rows[sentences + 1]
        held = np.asarray(self._sentence_terms[_ranges(lo, hi - lo)])
        owner = np.repeat(np.arange(len(sentences)), hi - lo)
        for j, term in enumerate(ids.tolist()):
            out[owner[held == term], j] = True
        return out

    # ------------------------------------------------------------ helpers

    def _candidates(self, query: np.ndarray, keyword: np.ndarray | None, mode: str, count: int) -> list[int]:
        """The nearest passages by vector and the best by BM25 (all of a small corpus)."""
        n = len(self.index.passages)
        if n <= count:
            return list(range(n))
        rows: set[int] = set()
        if mode != "keyword":
            rows.update(self.index.nearest(query, count).tolist())
        if keyword is not None and mode != "dense":
            top = np.argpartition(-keyword, count)[:count]
            rows.update(int(i) for i in top if keyword[i] > 0)
        return sorted(rows)

    def _idf(self, term: str) -> float:
        i = self._vocab.get(term)
        df = 0
        if i is not None and i + 1 < len(self._indptr):
            df = int(self._indptr[i + 1] - self._indptr[i])
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def _hit(self, scored: ScoredPassage) -> Hit:
        passage: Passage = self.index.passages[scored.row]
        article = self.index.articles[passage.doc_id]
        return Hit(passage=passage, article=article, score=scored.score, answer=scored.answer)


class _Clock:
    """Adds the seconds since the last lap to ``timings[name]`` (a no-op without timings)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
            self.last = now


def _plain(array: np.ndarray) -> np.ndarray:
    """The same memory as a plain ndarray (a np.memmap's per-slice bookkeeping is slow)."""
    return array.view(np.ndarray) if isinstance(array, np.memmap) else np.asarray(array)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start+length-1 of every (start, length) pair, concatenated."""
    begins = np.cumsum(lengths) - lengths
    return np.repeat(starts - begins, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
