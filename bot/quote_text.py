"""Quotation results as terminal text and as JSON (python -m bot.quote); the Discord reply
is ``bot.replies.quote_reply``."""

from __future__ import annotations

from typing import Any

from bot.models import QuoteHit
from bot.quote_search import QuoteResult
from bot.replies import NO_QUOTES, cite, reported_in, shown_quotes, speaker_line, variants


def quote_hit_to_json(hit: QuoteHit) -> dict[str, Any]:
    q = hit.quotation
    differing = variants(hit)
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
        "reported_by": q.reported_by,
        **({"also_in": [report_json(o) for o in hit.also]} if hit.also else {}),
        **({"variants": [report_json(o) for o in differing]} if differing else {}),
    }


def report_json(hit: QuoteHit) -> dict[str, Any]:
    q = hit.quotation
    return {
        **hit.article.citation_fields(),
        "paragraph": q.paragraph,
        "start": q.start,
        "end": q.end,
        "text": q.text,
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
        lines.append("")
        lines.append(f"[{n}] \u201c{hit.quotation.text}\u201d")
        lines.append(f"    -- {speaker_line(hit)}; reported in {cite(hit.article, hit.quotation.paragraph)}")
        lines.append(f"    context: {hit.context_text}")
        if hit.also:
            lines.append(f"    also reported in: {reported_in(hit)}")
        lines.extend(
            f"    wording in {o.article.outlet or o.article.title}: \u201c{o.quotation.text}\u201d"
            for o in variants(hit)
        )
    return "\n".join(lines)
