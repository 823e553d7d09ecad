"""The Retriever: question in, cited verbatim hits out.

1. Candidates: the passages nearest to the question by dense vectors together with the best
   BM25 passages (every passage of a small corpus).
2. Features of each candidate and its sentences (``bot.ranking.features``), read from the
   index's arrays: no text is analysed at question time but the question's.
3. ``bot.ranking.score`` ranks them with the Retriever's ``RankWeights`` and picks each one's
   answer sentence; the top candidate's confidence decides ``answered``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
import time
from collections import OrderedDict

import numpy as np

from bot.analysis import form_terms, load_reference, question_names, recased, reference_weights, terms
from bot.answer_types import VALUE_KINDS, decision_held, decision_wanted, wanted_types
from bot.chunking import is_heading
from bot.embedding import Embedder
from bot.index import Index
from bot.models import Answer, Hit, Passage, Span, Statement
from bot.questions import Question, echo, make_question
from bot.ranking import features as feat
from bot.ranking.context import ArticleContext, Reading
from bot.ranking.copies import group_rows, one_hit
from bot.ranking.definitions import Descriptions
from bot.ranking.differ import asked_kind, disagreement
from bot.ranking.score import COLUMN, MODES, order, score
from bot.ranking.speakers import QuotedSpeakers
from bot.ranking.weights import RANK_WEIGHTS, RankWeights, for_model

log = logging.getLogger("casebot")
ANSWER_CACHE = 1024  # recent questions whose answers are kept
COPIES_LOOKED_AT = 3  # passages ranked per hit asked for, so that merged copies leave k hits


@dataclasses.dataclass(frozen=True)
class ScoredPassage:
    row: int
    score: float
    confidence: float
    answer: Span
    # the answered decision's features (bot.ranking.decision), on the top passage only
    evidence: tuple[float, ...] = ()


class Retriever:
    """Hybrid search over one loaded Index. Synchronous and thread-safe for reading."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        *,
        weights: RankWeights = RANK_WEIGHTS,
        cache_size: int = ANSWER_CACHE,
    ) -> None:
        self.index = index
        self.embedder = embedder
        # a ranking fitted for another model's cosines falls back to the hand formula, and a
        # decision fitted on them to the hand threshold
        weights, fitted_for = for_model(weights, index.model, ("ranker", "answer", "decision"))
        if fitted_for is not None:
            _note_hand_formula(fitted_for, index.model)
        self.weights = weights
        if weights.decision is not None:
            load_reference()  # the decision's term weights: loaded now, not at the first question
        # answers to recent questions (one index never changes: a new index gets a new Retriever)
        self._cache: OrderedDict[tuple[str, int, RankWeights, frozenset[str] | None], Answer] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        self._keyword = index.keyword
        self._vocab = index.keyword.vocab
        passages = index.passages
        self._sentence_rows = passages.sentence_rows
        self._sentence_counts = passages.sentence_counts
        self._sentence_spans = passages.spans
        self._article_of = passages.article_of
        if index.sentence_terms is None or index.sentence_term_rows is None or index.sentence_types is None:
            raise ValueError("this index has no sentence terms or kinds (an older format): reindex it")
        self._sentence_types = np.asarray(index.sentence_types)  # uint8 bits
        # plain views of the memory-mapped arrays: slicing a np.memmap costs more than the work
        self._sentence_terms = _plain(index.sentence_terms)
        self._term_rows = np.asarray(index.sentence_term_rows, dtype=np.int64)
        self._vectors = _plain(index.vectors)
        self._sentence_vectors = _plain(index.sentence_vectors)
        self.context = ArticleContext(index, self._vocab, self._article_of)
        self._speakers = QuotedSpeakers(index)
        self.descriptions = Descriptions(index)

    # ------------------------------------------------------------ public

    def ask(
        self,
        question: Question | str,
        k: int = 3,
        *,
        sources: frozenset[str] | None = None,
        timings: dict[str, float] | None = None,
    ) -> Answer:
        """Answer one question with up to ``k`` hits (fewer, labelled related, if unanswered).

        A ``str`` is cleaned here; a ``Question`` was cleaned where it was typed. ``sources``
        (article ids) answers from those articles only. With ``timings``, the seconds of each
        stage are added to it (python -m bot.bench).
        """
        if isinstance(question, str):
            cleaned, notice = make_question(question)
            if cleaned is None:
                return Answer(question=echo(question), answered=False, hits=(), message=notice)
            question = cleaned
        if not self.index.passages:
            return Answer(question=question.raw, answered=False, hits=())
        reading = self.read(question.text, sources)
        question, sources = Question(question.raw, reading.text), reading.sources
        w = self.weights
        key = (question.text.casefold(), k, w, sources)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None:
            return dataclasses.replace(cached, question=question.raw)
        started = time.perf_counter()
        query = self.embedder.embed([question.text])[0]
        if timings is not None:
            timings["embed"] = timings.get("embed", 0.0) + time.perf_counter() - started
        # more than k: near-identical passages of other articles merge into one hit (copies.py)
        ranked = self.rank(
            question.text,
            query,
            limit=COPIES_LOOKED_AT * max(k, 1),
            only=self.rows_of(sources),
            timings=timings,
        )
        answered = bool(ranked) and self.answers(question.text, ranked[0])
        rows = np.array([r.row for r in ranked], dtype=np.int64)
        passages = self.index.passages
        groups = group_rows(
            self._article_of[rows].tolist(),
            self._vectors[rows].astype(np.float32, copy=False),
            lambda i: passages[int(rows[i])].text,
        )
        differ: tuple[Statement, ...] = ()
        if answered:
            # for a question that asks for a value, twice as many groups as are shown are
            # compared for values that differ, so that a differing source just below the shown
            # ones is still named (bot.ranking.differ); other questions build only the k shown
            looked_at = groups[: (2 if asked_kind(question.text) else 1) * max(k, 1)]
            merged = [one_hit([self._hit(ranked[i]) for i in g]) for g in looked_at]
            hits = tuple(merged[: max(k, 1)])
            confident = [
                (h, ranked[g[0]].confidence)
                for h, g in zip(merged, looked_at, strict=True)
                if ranked[g[0]].confidence >= w.threshold
            ]
            differ = disagreement(question.text, confident, self.index.names)
            shown = {h.article.doc_id for h in hits}
            if not any(s.article.doc_id in shown for s in differ):
                differ = ()  # about none of the hits the reader sees
        else:
            groups = [
                g for g in groups[: min(k, w.max_related)] if ranked[g[0]].confidence >= w.related_floor
            ]
            hits = tuple(one_hit([self._hit(ranked[i]) for i in g]) for g in groups)
        answer = Answer(question.raw, answered, hits, differ=differ, outlets=reading.outlets)
        if self._cache_size:
            with self._cache_lock:
                self._cache[key] = answer
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return answer

    def read(self, question: str, sources: frozenset[str] | None = None) -> Reading:
        """A cleaned question as it is searched, and the articles it is asked of: typed without
        capitals, read with the corpus's ("who is x": "Who is X", ``recased``); naming outlets,
        asked of their articles without their names ("According to the Valley Gazette, how long
        ...": "How long ..."), unless ``sources`` were chosen."""
        text = recased(question, self.index.names)
        named = self.context.named_sources(text) if sources is None else None
        return named or Reading(text, sources)

    def rank(
        self,
        question: str,
        query: np.ndarray,
        *,
        mode: str = "hybrid",
        candidates: int | None = None,
        limit: int | None = None,
        only: np.ndarray | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[ScoredPassage]:
        """Candidate passages for a question as ``read`` gives it, best first (the first
        ``limit`` of them). ``mode`` "hybrid" is the product's ranking; "dense" (passage cosine
        only) and "keyword" (BM25 only) exist to measure it against (python -m bot.eval beir
        --mode). ``only``: the rows the candidates are taken from (all rows when None).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        clock = _Clock(timings)
        found = self.features(
            question,
            query,
            mode=mode,
            candidates=candidates or self.weights.candidates,
            only=only,
            clock=clock,
        )
        if found is None:
            return []
        scores = score(found, self.weights, mode)
        answers = self._sentence_spans[found.sentences[scores.answer]]
        positions = order(scores, found.rows).tolist()
        # "Who is X?", "What is X?": a passage that says who or what X is comes first
        described: dict[int, Span] = {}
        if mode == "hybrid":
            positions, described = self.descriptions.put_first(question, found.rows, positions)
        scored = [
            ScoredPassage(
                row=int(found.rows[i]),
                score=float(scores.score[i]),
                confidence=float(scores.confidence[i]),
                answer=described.get(i) or Span(int(answers[i, 0]), int(answers[i, 1])),
                evidence=tuple(scores.evidence[i].tolist()) if n == 0 else (),
            )
            for n, i in enumerate(positions[:limit])
        ]
        clock.lap("rank")
        return scored

    def answers(self, question: str, top: ScoredPassage) -> bool:
        """Whether the top passage answers the question: the fitted decision when the weights
        hold one, else its confidence against the hand threshold; never when the question asks
        for a named person's words and the answer sentence quotes only others (a wrong speaker),
        when the answer sentence is a heading, which labels and states nothing, nor when the
        question asks for a precise value (an age, a year, a count, a height, a sum) the answer
        sentence does not hold."""
        sentence = self._answer_text(top)
        row = self.evidence(question, top, sentence)
        if self.words_of_another(question, top) or is_heading(sentence) or row[COLUMN["value_missing"]]:
            return False
        decided = self.descriptions.decides(question, top.row, top.answer)
        if decided is not None:  # "Who is X?", "What is X?" (bot.ranking.definitions)
            return decided
        decision = self.weights.decision
        if decision is None:
            return top.confidence >= self.weights.threshold
        return bool(decision.probability(row[None, :])[0] >= decision.threshold)

    def words_of_another(self, question: str, top: ScoredPassage) -> bool:
        """The question asks for one person's words; the answer sentence quotes only others."""
        return self._speakers.another_speaks(question, self.index.passages.doc_id(top.row), top.answer)

    def evidence(self, question: str, top: ScoredPassage, sentence: str | None = None) -> np.ndarray:
        """The decision's features of one ranked passage, the kind of value asked for read from
        its answer sentence's text (``sentence``, when the caller has it already)."""
        row = np.array(top.evidence, dtype=np.float64)
        wanted = decision_wanted(question)
        if wanted:
            sentence = self._answer_text(top) if sentence is None else sentence
            held = decision_held(sentence, wanted)
            row[COLUMN["kind_missing"]] = not held
            row[COLUMN["kind_held"]] = held
            if wanted & VALUE_KINDS:
                row[COLUMN["value_missing"]] = not decision_held(sentence, wanted & VALUE_KINDS)
        return row

    def _answer_text(self, top: ScoredPassage) -> str:
        body = self.index.articles[self.index.passages.doc_id(top.row)].body
        return body[top.answer.start : top.answer.end]

    def features(
        self,
        question: str,
        query: np.ndarray,
        *,
        mode: str = "hybrid",
        candidates: int = 100,
        only: np.ndarray | None = None,
        clock: _Clock | None = None,
    ) -> feat.Features | None:
        """The candidates of a cleaned question and their features (None: no candidate)."""
        clock = clock or _Clock(None)
        index = self.index
        query_terms = terms(question)
        weights = {t: self._keyword.idf(t) for t in query_terms}
        total = sum(weights.values())
        # what the question asks about, without the names it mentions
        focus = {t for t in query_terms if t not in index.names}
        # for the answered decision, a word capitalised inside the question is a name too,
        # known to the corpus or not ("How old is Jon Ponder?")
        named = index.names | question_names(question)
        asked = [t for t in weights if t not in named]
        # ... and the words asking for a kind of answer ("how many", "what year") are not what
        # it asks about: the decision reads the kind from the answer sentence. The decision's
        # shares weigh terms by how rare they are in English, not in the corpus, so that they
        # do not rise as unrelated articles make the case's own words rare
        form = form_terms(question)
        decided = [t for t in asked if t not in form]
        reference = reference_weights(question)
        decided_total = sum(reference.get(t, 0.0) for t in decided)
        names = [t for t in weights if t in named]
        reference_names_total = sum(reference.get(t, 0.0) for t in names)
        reference_total = sum(reference.values())
        asked_total = sum(weights[t] for t in asked)
        names_total = sum(weights[t] for t in names)
        known = [t for t in weights if t in self._vocab]
        # BM25 picks candidates and is one of the hybrid ranking's features
        keyword = self._keyword.scores(known) if known and mode != "dense" else None
        clock.lap("keyword")
        if only is None:
            rows = np.asarray(self._candidates(query, keyword, mode, candidates), dtype=np.int64)
        else:
            rows = self._candidates_in(only, query, keyword, mode, candidates)
        clock.lap("dense")
        if not len(rows):
            return None
        counts = self._sentence_counts[rows]
        starts = feat.group_starts(counts)
        sentences = feat.ranges(self._sentence_rows[rows], counts)
        ids = np.array([self._vocab[t] for t in known], dtype=np.int64)
        idf = np.array([weights[t] for t in known], dtype=np.float64)
        in_passage = self._keyword.passages_holding(ids, rows)
        in_sentence = self._sentences_holding(ids, sentences)
        focus_columns = [j for j, t in enumerate(known) if t in focus]
        # for ranking, a passage also holds its article's title, outlet and author (its context)
        with_title = in_passage | self.context.holding(ids, rows)
        asked_columns = [j for j, t in enumerate(known) if t in asked]
        decided_columns = [j for j, t in enumerate(known) if t in decided]
        ref = np.array([reference.get(t, 0.0) for t in known], dtype=np.float64)
        name_columns = [j for j, t in enumerate(known) if t in names]
        return feat.Features(
            rows=rows,
            starts=starts,
            counts=counts,
            sentences=sentences,
            passage_cos=self._vectors[rows].astype(np.float32, copy=False) @ query,
            keyword=keyword[rows] if keyword is not None else np.zeros(len(rows)),
            coverage=feat.coverage(in_passage, idf, total),
            coverage_with_title=feat.coverage(with_title, idf, total),
            sentence_cos=(self._sentence_vectors[sentences].astype(np.float32, copy=False) @ query).astype(
                np.float64
            ),
            kind_match=feat.kind_match(self._sentence_types[sentences], wanted_types(question)),
            focus=feat.focus_held(in_sentence[:, focus_columns], starts, counts, len(focus)),
            focus_sentence=feat.coverage(in_sentence[:, asked_columns], idf[asked_columns], asked_total),
            focus_passage=feat.coverage(with_title[:, asked_columns], idf[asked_columns], asked_total),
            names_missing=1.0 - feat.coverage(with_title[:, name_columns], idf[name_columns], names_total)
            if names_total > 0
            else np.zeros(len(rows)),
            names_sentence=feat.coverage(in_sentence[:, name_columns], idf[name_columns], names_total),
            no_focus=asked_total <= 0,
            asked_sentence=feat.coverage(
                in_sentence[:, decided_columns], ref[decided_columns], decided_total
            ),
            asked_passage=feat.coverage(with_title[:, decided_columns], ref[decided_columns], decided_total),
            nothing_asked=decided_total <= 0,
            asked_names_missing=1.0
            - feat.coverage(with_title[:, name_columns], ref[name_columns], reference_names_total)
            if reference_names_total > 0
            else np.zeros(len(rows)),
            asked_coverage=feat.coverage(in_passage, ref, reference_total),
        )

    # ------------------------------------------------------------ helpers

    def _sentences_holding(self, ids: np.ndarray, sentences: np.ndarray) -> np.ndarray:
        """(sentences, terms): the sentence holds the term (term ids stored with the index)."""
        out = np.zeros((len(sentences), len(ids)), dtype=bool)
        if not len(ids):
            return out
        lo, hi = self._term_rows[sentences], self._term_rows[sentences + 1]
        held = np.asarray(self._sentence_terms[feat.ranges(lo, hi - lo)])
        owner = np.repeat(np.arange(len(sentences)), hi - lo)
        for j, term in enumerate(ids.tolist()):
            out[owner[held == term], j] = True
        return out

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

    def _candidates_in(
        self, only: np.ndarray, query: np.ndarray, keyword: np.ndarray | None, mode: str, count: int
    ) -> np.ndarray:
        """``_candidates`` among the rows ``only`` (exact: a chosen source is small)."""
        if len(only) <= count:
            return only
        picked: set[int] = set()
        if mode != "keyword":
            cos = self._vectors[only].astype(np.float32, copy=False) @ query
            picked.update(only[np.argpartition(-cos, count)[:count]].tolist())
        if keyword is not None and mode != "dense":
            within = keyword[only]
            picked.update(int(only[i]) for i in np.argpartition(-within, count)[:count] if within[i] > 0)
        return np.array(sorted(picked), dtype=np.int64)

    def rows_of(self, sources: frozenset[str] | None) -> np.ndarray | None:
        """The passage rows of the articles ``sources`` (None: every row)."""
        if sources is None:
            return None
        numbers = [n for n, doc in enumerate(self.index.passages.doc_ids) if doc in sources]
        return np.flatnonzero(np.isin(self._article_of, numbers)).astype(np.int64)

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


@functools.lru_cache(maxsize=8)
def _note_hand_formula(fitted_for: str, model: str) -> None:
    """One log line per model whose index is ranked by the hand formula."""
    log.info("the ranking was fitted for %s; an index of %s is ranked by the hand formula", fitted_for, model)


def _plain(array: np.ndarray) -> np.ndarray:
    """The same memory as a plain ndarray (a np.memmap's per-slice bookkeeping is slow)."""
    return array.view(np.ndarray) if isinstance(array, np.memmap) else np.asarray(array)
