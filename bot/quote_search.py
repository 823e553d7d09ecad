"""Search the indexed quotations by meaning and words, filter and list them by speaker.

A quotation scores ``quote * cos(query, quotation) + context * cos(query, its sentence)
+ coverage * share`` (the IDF-free share of the query's keyword terms found in the
quotation, its sentence or its speaker's name), less ``phrase_penalty`` for quoted phrases
of one or two words, which rank below real statements, plus ``speaker_bonus`` when the query
names the speaker ("judge", "Kardashian"); the weights are a ``QuoteWeights``. Quotations
whose confidence (the better of the two cosines plus ``coverage * share``) is below ``floor``
are not shown. With a fitted ranking (``QuoteWeights.ranker``, ``bot/ranking/quotes.json``,
``python -m bot.fit --quotes``) the shown ones are ranked by a linear score over the same five
features instead (``bot.ranking.ranker.QUOTE_FEATURES``).
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bot.analysis import terms
from bot.embedding import Embedder
from bot.index import Index
from bot.models import QuoteHit
from bot.people import People
from bot.questions import EXAMPLE_QUERY, Question, echo, make_question
from bot.quote_groups import group_quotations, shown_first
from bot.ranking.ranker import QUOTE_FEATURES
from bot.ranking.weights import QUOTE_WEIGHTS, QuoteWeights, for_model


@dataclass(frozen=True)
class QuoteResult:
    query: str
    speaker: str | None
    hits: tuple[QuoteHit, ...]
    message: str | None = None


def speaker_matches(speaker: str | None, wanted: str, people: People | None = None) -> bool:
    """Every word of ``wanted`` is a whole word of one of the names the speaker's person goes
    by (any case: "johnson", "Kim K" from an alias); of a role, of its head ("the judge who
    sentenced Johnson" is a judge, not a Johnson)."""
    if not speaker:
        return False
    want = set(_name_words(wanted))
    if not want:
        return False
    if _name_words(speaker) == _name_words(wanted):  # the whole label, as autocomplete gives it
        return True
    person = people.person(speaker) if people else None
    forms = {speaker, *(person.forms if person else ())}
    return any(want <= set(_name_words(_role_head(form))) for form in forms)


def _name_words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:['\u2019.][^\W_]+)*", text.casefold().replace("\u2019", "'"))


def _role_head(name: str) -> str:
    """A role's words before "who" ("the judge who sentenced Johnson" -> "the judge")."""
    if name[:1].islower():
        return name.split(" who ", 1)[0]
    return name


class QuoteSearcher:
    def __init__(self, index: Index, embedder: Embedder, *, weights: QuoteWeights = QUOTE_WEIGHTS) -> None:
        self.index = index
        self.embedder = embedder
        self.weights, _ = for_model(weights, index.model, ("ranker",))  # another model's: the hand formula

    def speakers(self) -> list[tuple[str, int]]:
        """Every named speaker with their number of quotations (one per quotation however
        many articles report it), most quoted first."""
        return list(self._speakers)

    @cached_property
    def _speakers(self) -> tuple[tuple[str, int], ...]:
        counts = Counter(s for s in self._group_speaker if s)
        return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold())))

    @cached_property
    def _groups(self) -> list[list[int]]:
        """The same quotation reported by several articles (bot.quote_groups), in corpus order."""
        return group_quotations(self.index.quotations)

    @cached_property
    def _group_of(self) -> list[int]:
        out = [0] * len(self.index.quotations)
        for g, rows in enumerate(self._groups):
            for row in rows:
                out[row] = g
        return out

    @cached_property
    def _group_speaker(self) -> list[str | None]:
        """Each group's speaker: its first report's that names one, in the order shown."""
        quotations = self.index.quotations
        order = shown_first(lambda q: self.index.articles[q.doc_id])
        return [
            next((q.speaker for q in sorted((quotations[r] for r in rows), key=order) if q.speaker), None)
            for rows in self._groups
        ]

    @cached_property
    def _terms(self) -> list[tuple[set[str], set[str]]]:
        """Per quotation: the terms of its text, sentence and speaker; and of its speaker's name."""
        out = []
        for q in self.index.quotations:
            body = self.index.articles[q.doc_id].body
            present = set(terms(q.context_text(body))) | set(terms(q.text)) | set(terms(q.speaker or ""))
            out.append((present, _speaker_terms(q.speaker)))
        return out

    def group_speaker(self, row: int) -> str | None:
        """The speaker a quotation (an index row) is shown with: its group's."""
        return self._group_speaker[self._group_of[row]]

    def by_speaker(self, speaker: str, *, sources: frozenset[str] | None = None) -> QuoteResult:
        """All quotations of the people a name matches (in the articles ``sources``, if
        given): the most quoted person first, each person's in corpus order."""
        rows = self._rows(speaker, sources)
        quoted = Counter(self._group_speaker[self._group_of[r]] for r in rows)
        rows.sort(key=lambda r: (-quoted[self._group_speaker[self._group_of[r]]], r))
        hits = tuple(self._grouped(((0.0, r) for r in rows), sources, len(rows)))
        return QuoteResult(query="", speaker=speaker, hits=hits)

    def search(
        self,
        query: Question | str,
        *,
        speaker: str | None = None,
        k: int = 5,
        sources: frozenset[str] | None = None,
    ) -> QuoteResult:
        """The quotations best matching ``query`` (a ``str`` is cleaned here), best first;
        ``sources`` (article ids): from those articles only."""
        if isinstance(query, str):
            cleaned, notice = make_question(query, example=EXAMPLE_QUERY, noun="search")
            if cleaned is None:
                return QuoteResult(query=echo(query), speaker=speaker, hits=(), message=notice)
            query = cleaned
        text = query.text
        rows = self._rows(speaker, sources)
        if not rows:
            return QuoteResult(query=query.raw, speaker=speaker, hits=())
        vector = self.embedder.embed([text])[0]
        x = self.features(text, rows, vector)
        keep = self.shown(x)
        scores = self.score(x[keep])
        scored = list(zip(scores.tolist(), np.asarray(rows)[keep].tolist(), strict=True))
        scored.sort(key=lambda s: (-s[0], s[1]))
        hits = tuple(self._grouped(scored, sources, max(k, 1)))
        return QuoteResult(query=query.raw, speaker=speaker, hits=hits)

    def features(self, text: str, rows: list[int], vector: np.ndarray) -> np.ndarray:
        """(len(rows), len(QUOTE_FEATURES)): each quotation's features for a cleaned query."""
        out = np.zeros((len(rows), len(QUOTE_FEATURES)))
        out[:, 0] = np.asarray(self.index.quote_vectors[rows], dtype=np.float32) @ vector
        out[:, 1] = np.asarray(self.index.quote_context_vectors[rows], dtype=np.float32) @ vector
        wanted = set(terms(text))
        quotations = self.index.quotations
        for i, row in enumerate(rows):
            present, speaker_terms = self._terms[row]
            out[i, 2] = len(wanted & present) / len(wanted) if wanted else 0.0
            out[i, 3] = quotations[row].is_phrase
            out[i, 4] = bool(wanted & speaker_terms)
        return out

    def shown(self, x: np.ndarray) -> np.ndarray:
        """Which quotations are confident enough to show: the better cosine plus the coverage term
        at least the floor."""
        w = self.weights
        return np.maximum(x[:, 0], x[:, 1]) + w.coverage * x[:, 2] >= w.floor

    def score(self, x: np.ndarray) -> np.ndarray:
        """What quotations are ranked by: the fitted ranking, or the hand formula."""
        w = self.weights
        if w.ranker is not None:
            return w.ranker.score(x)
        return (
            w.quote * x[:, 0]
            + w.context * x[:, 1]
            + w.coverage * x[:, 2]
            - w.phrase_penalty * x[:, 3]
            + w.speaker_bonus * x[:, 4]
        )

    def _rows(self, speaker: str | None, sources: frozenset[str] | None) -> list[int]:
        """The quotations (in corpus order) of ``speaker`` in the articles ``sources`` (None: any)."""
        wanted: set[str | None] | None = None
        if speaker is not None:  # each speaker's name is matched once, not once per quotation
            people = self.index.people
            wanted = {s for s in set(self._group_speaker) if speaker_matches(s, speaker, people)}
        return [
            i
            for i, q in enumerate(self.index.quotations)
            if (wanted is None or self._group_speaker[self._group_of[i]] in wanted)
            and (sources is None or q.doc_id in sources)
        ]

    def _hit(self, row: int, score: float) -> QuoteHit:
        """One report as a hit, alone (for checks that walk every indexed quotation)."""
        q = self.index.quotations[row]
        return QuoteHit(quotation=q, article=self.index.articles[q.doc_id], score=score)

    def _grouped(
        self, scored: Iterable[tuple[float, int]], sources: frozenset[str] | None, k: int
    ) -> Iterator[QuoteHit]:
        """One hit per quotation, best first: its reports (in ``sources``) shown by the rule
        of bot.quote_groups, the others as its ``also``."""
        taken: set[int] = set()
        quotations = self.index.quotations
        order = shown_first(lambda q: self.index.articles[q.doc_id])
        for score, row in scored:
            group = self._group_of[row]
            if group in taken:
                continue
            taken.add(group)
            reports = sorted(
                (
                    quotations[r]
                    for r in self._groups[group]
                    if sources is None or quotations[r].doc_id in sources
                ),
                key=order,
            )
            speaker = self._group_speaker[group]
            hits = [
                QuoteHit(dataclasses.replace(q, speaker=speaker), self.index.articles[q.doc_id], score)
                for q in reports
            ]
            yield dataclasses.replace(hits[0], also=tuple(hits[1:])) if len(hits) > 1 else hits[0]
            if len(taken) >= k:
                return


def _speaker_terms(speaker: str | None) -> set[str]:
    """The words that name a speaker: all of a name, the head of a role ("the judge ...")."""
    if not speaker:
        return set()
    words = speaker.split()
    if words[0].lower() == "the":
        words = words[:2]
    return set(terms(" ".join(words)))
