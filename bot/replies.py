"""Answers -> what a reader sees: JSON records (the --json contract) and plain text.

Pure formatting: no I/O, no discord import. A hit whose text is not verbatim its article's is
never shown (it would be a misquote); the check runs again here, just before output.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.models import Answer, Hit

log = logging.getLogger(__name__)

NOT_ANSWERED = "The sources do not answer this question."
RELATED_LABEL = "Related passages (not an answer):"


def shown_hits(answer: Answer) -> list[Hit]:
    """The hits that pass the verbatim check (a failing one is logged and dropped)."""
    good = []
    for hit in answer.hits:
        if hit.is_verbatim():
            good.append(hit)
        else:  # pragma: no cover - would mean a bug in the index or retriever
            log.error(
                "dropped a non-verbatim hit: %s paragraph %s", hit.passage.doc_id, hit.passage.paragraph
            )
    return good


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
    a = hit.article
    parts = [a.title]
    if a.outlet:
        parts.append(a.outlet)
    if a.author:
        parts.append(f"by {a.author}")
    if a.published:
        parts.append(a.published)
    parts.append(f"paragraph {hit.passage.paragraph}")
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
