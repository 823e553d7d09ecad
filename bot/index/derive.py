"""The text analysis of a build, as a pure function: articles in, everything the index holds
about their text out (no files, no vectors, no model)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot import answer_types
from bot.aliases import NO_ALIASES, Aliases
from bot.analysis import name_terms, terms
from bot.chunking import make_passages
from bot.ingest.copies import corpus_copies
from bot.models import Article, Passage, Quotation
from bot.people import People
from bot.quotes import extract_corpus_quotations


@dataclass(frozen=True)
class Derived:
    """What a corpus's text becomes in an index (row order is the index's row order)."""

    passages: list[Passage]
    sentence_texts: list[str]  # every passage's sentences, passage by passage
    quotations: list[Quotation]
    quotation_contexts: list[str]  # each quotation's sentence
    sentence_terms: list[list[str]]  # keyword terms of each sentence
    passage_terms: list[list[str]]  # keyword terms of each passage (what BM25 indexes)
    sentence_kinds: list[int]  # answer_types bits of each sentence
    names: list[str]  # keyword terms that are names, sorted
    people: People  # the speakers' people (bot.people)
    copies: dict[str, tuple[str, float]]  # a syndicated copy's id -> (the original's id, similarity)

    def embedded_texts(self) -> list[list[str]]:
        """The four groups of texts that get a vector, in the order they are stored."""
        return [
            [p.text for p in self.passages],
            self.sentence_texts,
            [q.text for q in self.quotations],
            self.quotation_contexts,
        ]


def derive(articles: Sequence[Article], aliases: Aliases = NO_ALIASES) -> Derived:
    passages = [p for a in articles for p in make_passages(a)]
    bodies = {a.doc_id: a.body for a in articles}
    sentence_texts = [bodies[p.doc_id][s.start : s.end] for p in passages for s in p.sentences]
    quotations, people = extract_corpus_quotations(articles, aliases)
    sentence_terms = [terms(t) for t in sentence_texts]
    return Derived(
        passages=passages,
        sentence_texts=sentence_texts,
        quotations=quotations,
        quotation_contexts=[q.context_text(bodies[q.doc_id]) for q in quotations],
        sentence_terms=sentence_terms,
        passage_terms=passage_terms(passages, sentence_terms),
        sentence_kinds=[
            answer_types.sentence_types(bodies[p.doc_id], s.start, s.end)
            for p in passages
            for s in p.sentences
        ],
        names=sorted(name_terms(sentence_texts)),
        people=people,
        copies=corpus_copies(articles),
    )


def passage_terms(passages: Sequence[Passage], sentence_terms: list[list[str]]) -> list[list[str]]:
    """Each passage's terms: its sentences' terms when they tile it (only spaces between)."""
    out: list[list[str]] = []
    row = 0
    for p in passages:
        spans = p.sentences
        gaps = zip((p.start, *(s.end for s in spans)), (*(s.start for s in spans), p.end), strict=True)
        if spans and all(not p.text[a - p.start : b - p.start].strip() for a, b in gaps):
            # a term never spans white space, so this equals terms(p.text), without a second pass
            out.append([t for held in sentence_terms[row : row + len(spans)] for t in held])
        else:
            out.append(terms(p.text))
        row += len(spans)
    return out
