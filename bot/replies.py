"""Answers -> what a reader sees: JSON records (the --json contract) and plain text.

Pure formatting: no I/O, no discord import. A hit whose text is not verbatim its article's is
never shown (it would be a misquote); the check runs again here, just before output.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from bot.models import Answer, Article, Hit, QuoteHit
from bot.quote_search import QuoteResult

log = logging.getLogger(__name__)


class _Checkable(Protocol):
    def is_verbatim(self) -> bool: ...


_H = TypeVar("_H", bound=_Checkable)

NOT_ANSWERED = "The sources do not answer this question."
RELATED_LABEL = "Related passages (not an answer):"
NO_QUOTES = "No quotation in the sources matches."
UNKNOWN_SPEAKER = "speaker unknown"


def _verbatim(hits: Iterable[_H]) -> list[_H]:
    good = []
    for hit in hits:
        if hit.is_verbatim():
            good.append(hit)
        else:  # pragma: no cover - would mean a bug in the index or the search
            log.error("dropped a non-verbatim hit: %r", hit)
    return good


def shown_hits(answer: Answer) -> list[Hit]:
    """The hits that pass the verbatim check (a failing one is logged and dropped)."""
    return _verbatim(answer.hits)


def shown_quotes(result: QuoteResult) -> list[QuoteHit]:
    """The quotation hits that pass the verbatim check."""
    return _verbatim(result.hits)


def hit_to_json(hit: Hit) -> dict[str, Any]:
    a, p = hit.article, hit.passage
    return {
        **a.citation_fields(),
        "paragraph": p.paragraph,
        "start": p.start,
        "end": p.end,
        "text": p.text,
        "answer": hit.answer_text,
        "score": round(float(hit.score), 4),
    }


def answer_to_json(answer: Answer) -> dict[str, Any]:
    record: dict[str, Any] = {
        "question": answer.question,
        "answered": answer.answered,
        "hits": [hit_to_json(h) for h in shown_hits(answer)],
    }
    if answer.message:
        record["message"] = answer.message
    return record


def citation(hit: Hit) -> str:
    """Title, outlet, author, date, paragraph and link, as far as they are known."""
    return cite(hit.article, hit.passage.paragraph)


def cite(a: Article, paragraph: int) -> str:
    parts = [a.title]
    if a.outlet:
        parts.append(a.outlet)
    if a.author:
        parts.append(f"by {a.author}")
    if a.published:
        parts.append(a.published)
    parts.append(f"paragraph {paragraph}")
    if a.url:
        parts.append(a.url)
    return ", ".join(parts)


def marked_passage(hit: Hit, before: str = "**", after: str = "**") -> str:
    """The passage with its answer sentence wrapped in markers."""
    p, s = hit.passage, hit.answer
    text = p.text
    i, j = s.start - p.start, s.end - p.start
    return f"{text[:i]}{before}{text[i:j]}{after}{text[j:]}"


def answer_to_text(answer: Answer) -> str:
    """The terminal rendering: the same content the bot posts."""
    if answer.message:
        return answer.message
    hits = shown_hits(answer)
    lines = [f"Q: {answer.question}"]
    if not answer.answered:
        lines.append(NOT_ANSWERED)
        if hits:
            lines.append(RELATED_LABEL)
    for n, hit in enumerate(hits, start=1):
        lines.append("")
        quoted = marked_passage(hit).replace("\n", "\n    > ")
        lines.append(f"[{n}] > {quoted}")
        lines.append(f"    -- {citation(hit)}")
    return "\n".join(lines)


def quote_hit_to_json(hit: QuoteHit) -> dict[str, Any]:
    q = hit.quotation
    return {
        "text": q.text,
        "speaker": q.speaker,
        "doc_id": q.doc_id,
        "title": hit.article.title,
        "paragraph": q.paragraph,
        "start": q.start,
        "end": q.end,
        "context": hit.context_text,
        "score": round(float(hit.score), 4),
    }


def quotes_to_json(result: QuoteResult) -> dict[str, Any]:
    record: dict[str, Any] = {
        "query": result.query,
        "speaker": result.speaker,
        "quotes": [quote_hit_to_json(h) for h in shown_quotes(result)],
    }
    if result.message:
        record["message"] = result.message
    return record


def quotes_to_text(result: QuoteResult) -> str:
    if result.message:
        return result.message
    hits = shown_quotes(result)
    head = f"Quotations for {result.query!r}" if result.query else "Quotations"
    if result.speaker:
        head += f" by speakers matching {result.speaker!r}"
    lines = [head + ":"]
    if not hits:
        lines.append(NO_QUOTES)
    for n, hit in enumerate(hits, start=1):
        speaker = hit.quotation.speaker or UNKNOWN_SPEAKER
        lines.append("")
        lines.append(f"[{n}] \u201c{hit.quotation.text}\u201d")
        lines.append(f"    -- {speaker}; reported in {cite(hit.article, hit.quotation.paragraph)}")
        lines.append(f"    context: {hit.context_text}")
    return "\n".join(lines)
