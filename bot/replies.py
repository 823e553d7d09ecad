"""Answers -> what a reader sees: JSON records (the --json contract) and plain text.

Pure formatting: no I/O, no discord import. A hit whose text is not verbatim its article's is
never shown (it would be a misquote); the check runs again here, just before output.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bot.models import Answer, Article, Hit, QuoteHit, Statement
from bot.quote_search import QuoteResult
from bot.source_choice import source_meta

log = logging.getLogger(__name__)


class _Checkable(Protocol):
    def is_verbatim(self) -> bool: ...


_H = TypeVar("_H", bound=_Checkable)

NOT_ANSWERED = "The sources do not answer this question."
RELATED_LABEL = "Related passages (not an answer):"
RELATED_NOTE = "These passages are related (not an answer)"
NO_QUOTES = "No quotation in the sources matches."
UNKNOWN_SPEAKER = "speaker unknown"
DIFFER_LABEL = "The sources differ:"
NAMED_LABEL = "Answered from the source the question names:"


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
    record = {
        **a.citation_fields(),
        "paragraph": p.paragraph,
        "start": p.start,
        "end": p.end,
        "text": p.text,
        "answer": hit.answer_text,
        "score": round(float(hit.score), 4),
    }
    if hit.also:  # added only when the same words are in other articles: every other key stays
        record["also_in"] = [
            {
                **o.article.citation_fields(),
                "paragraph": o.passage.paragraph,
                "start": o.passage.start,
                "end": o.passage.end,
            }
            for o in hit.also
        ]
    return record


def also_in(hit: Hit) -> str:
    """ "NPR (paragraph 3), Patch (paragraph 2)": the other sources of the same words."""
    return source_list((o.article, o.passage.paragraph) for o in hit.also)


def source_list(places: Iterable[tuple[Article, int]]) -> str:
    """Each (article, paragraph) as "Outlet (paragraph N)" (the title when there is no outlet)."""
    return ", ".join(f"{a.outlet or a.title} (paragraph {paragraph})" for a, paragraph in places)


def shown_differ(answer: Answer) -> list[Statement]:
    """The differing values that pass the verbatim check; fewer than two say nothing."""
    good = _verbatim(answer.differ)
    return good if len(good) >= 2 else []


def statement_to_json(s: Statement) -> dict[str, Any]:
    return {
        "value": s.text,
        **s.article.citation_fields(),
        "paragraph": s.paragraph,
        "start": s.start,
        "end": s.end,
    }


def stated_where(s: Statement) -> str:
    """ "“July 2018” (The Evening Post, paragraph 2)": a differing value and its source."""
    return f"\u201c{s.text}\u201d ({s.article.outlet or s.article.title}, paragraph {s.paragraph})"


def answer_to_json(answer: Answer) -> dict[str, Any]:
    record: dict[str, Any] = {
        "question": answer.question,
        "answered": answer.answered,
        "hits": [hit_to_json(h) for h in shown_hits(answer)],
        # the values the sources state that cannot all be true, each cited ([] when they agree)
        "disagreement": [statement_to_json(s) for s in shown_differ(answer)],
    }
    if answer.message:
        record["message"] = answer.message
    if answer.outlets:  # added only when the question names outlets: every other key stays
        record["named_sources"] = list(answer.outlets)
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
    page = a.page_of(paragraph)
    parts.append(f"paragraph {paragraph}" + (f" (p. {page})" if page else ""))
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
    if answer.outlets:
        lines.append(f"{NAMED_LABEL} {', '.join(answer.outlets)}")
    if not answer.answered:
        lines.append(NOT_ANSWERED)
        if hits:
            lines.append(RELATED_LABEL)
    differ = shown_differ(answer)
    if differ:
        lines.append(DIFFER_LABEL)
        lines.extend(f"  - {stated_where(s)}" for s in differ)
    for n, hit in enumerate(hits, start=1):
        lines.append("")
        quoted = marked_passage(hit).replace("\n", "\n    > ")
        lines.append(f"[{n}] > {quoted}")
        lines.append(f"    -- {citation(hit)}")
        if hit.also:
            lines.append(f"    also in: {also_in(hit)}")
    return "\n".join(lines)


def variants(hit: QuoteHit) -> list[QuoteHit]:
    """The other reports of a quotation whose wording differs from the one shown."""
    shown = " ".join(hit.quotation.text.split())
    return [o for o in hit.also if " ".join(o.quotation.text.split()) != shown]


def reported_in(hit: QuoteHit) -> str:
    """The other sources of a quotation: "Pop Desk (paragraph 2), Celebrity Wire (paragraph 1)"."""
    return source_list((h.article, h.quotation.paragraph) for h in hit.also)


def speaker_line(hit: QuoteHit) -> str:
    q = hit.quotation
    return (q.speaker or UNKNOWN_SPEAKER) + (f", as reported by {q.reported_by}" if q.reported_by else "")


# ---------------------------------------------------------------- Discord replies (plain data)

# Discord's limits (checked against discord.py 2.7.1 and Discord's API docs); the API answers
# 400 (code 50035) when a message breaks one, and discord.py does not check them.
CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
EMBEDS_TOTAL_LIMIT = 6000
LINK_BUTTONS = 4  # a row holds 5 buttons; one place is kept for "More"

_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()<@:])")


def escape_markdown(text: str) -> str:
    """Show source text literally in Discord: no formatting, links, headings or mentions."""
    return _MARKDOWN.sub(r"\\\1", text)


def clip(text: str, limit: int) -> str:
    """Text cut to ``limit`` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip("\\") + "\u2026"


@dataclass(frozen=True)
class EmbedSpec:
    title: str
    description: str
    url: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    footer: str | None = None

    def size(self) -> int:
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer or "")
            + sum(len(n) + len(v) for n, v in self.fields)
        )


@dataclass(frozen=True)
class ReplySpec:
    """What one Discord message holds: plain data the Discord layer turns into objects."""

    content: str | None = None
    embeds: tuple[EmbedSpec, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (label, url) link buttons
    more: bool = False  # offer a "More" button


def fit(reply: ReplySpec) -> ReplySpec:
    """Clip every part to its limit and drop trailing embeds past the message total."""
    embeds = [
        EmbedSpec(
            title=clip(e.title, EMBED_TITLE_LIMIT),
            description=clip(e.description, EMBED_DESCRIPTION_LIMIT),
            url=e.url,
            fields=tuple(
                (clip(n, FIELD_NAME_LIMIT), clip(v, FIELD_VALUE_LIMIT))
                for n, v in e.fields[:FIELDS_PER_EMBED]
            ),
            footer=clip(e.footer, FOOTER_LIMIT) if e.footer else None,
        )
        for e in reply.embeds[:EMBEDS_PER_MESSAGE]
    ]
    while embeds and sum(e.size() for e in embeds) > EMBEDS_TOTAL_LIMIT:
        embeds.pop()
    content = clip(reply.content, CONTENT_LIMIT) if reply.content else None
    return ReplySpec(content=content, embeds=tuple(embeds), links=reply.links[:LINK_BUTTONS], more=reply.more)


def _source_fields(a: Article, paragraph: int, hit: Hit | None = None) -> tuple[tuple[str, str], ...]:
    fields = [("Source", clip(a.outlet or "unknown outlet", 200))]
    if a.author:
        fields.append(("Author", clip(a.author, 200)))
    if a.published:
        fields.append(("Published", a.published))
    fields.append(("Paragraph", str(paragraph)))
    page = a.page_of(paragraph)
    if page:
        fields.append(("Page", str(page)))
    if hit is not None and hit.also:
        fields.append(("Also in", clip(also_in(hit), 900)))
    return tuple((n, escape_markdown(v)) for n, v in fields)


def _links(articles: list[Article]) -> tuple[tuple[str, str], ...]:
    seen: dict[str, str] = {}
    for a in articles:
        if a.url and a.url not in seen:
            seen[a.url] = clip(f"Open: {a.outlet or a.title}", 80)
    return tuple((label, url) for url, label in seen.items())


def ask_reply(answer: Answer, *, footer: str, page: int = 0, per_page: int = 3) -> ReplySpec:
    """The /ask reply: one embed per passage, the answer sentence in bold, and the citation.

    ``answer`` should hold more hits than the page shows when a next page may exist.
    """
    question = escape_markdown(clip(" ".join(answer.question.split()), 300))
    if answer.message:
        return fit(ReplySpec(content=answer.message))
    hits = shown_hits(answer)
    if not answer.answered:
        embeds = tuple(
            EmbedSpec(
                title=f"Related, not an answer: {escape_markdown(h.article.title)}",
                description=_quoted(h, bold=False),
                url=h.article.url,
                fields=_source_fields(h.article, h.passage.paragraph, h),
                footer=footer,
            )
            for h in hits[:2]
        )
        content = f"**Q:** {question}{_named(answer)}\n{NOT_ANSWERED}"
        if embeds:
            content += " " + RELATED_NOTE
        return fit(ReplySpec(content=content, embeds=embeds, links=_links([h.article for h in hits[:2]])))
    shown = hits[page * per_page : (page + 1) * per_page]
    embeds = tuple(
        EmbedSpec(
            title=escape_markdown(h.article.title),
            description=_quoted(h, bold=True),
            url=h.article.url,
            fields=_source_fields(h.article, h.passage.paragraph, h),
            footer=footer,
        )
        for h in shown
    )
    label = f"**Q:** {question}" + (f" (more, page {page + 1})" if page else "") + _named(answer)
    differ = shown_differ(answer)
    if differ and not page:
        label += f"\n{DIFFER_LABEL} " + "; ".join(escape_markdown(clip(stated_where(s), 300)) for s in differ)
    return fit(
        ReplySpec(
            content=label,
            embeds=embeds,
            links=_links([h.article for h in shown]),
            more=len(hits) > (page + 1) * per_page,
        )
    )


def _named(answer: Answer) -> str:
    """The line that says which outlets the question named and was answered from, or ""."""
    if not answer.outlets:
        return ""
    return f"\n{NAMED_LABEL} " + escape_markdown(clip(", ".join(answer.outlets), 300))


def _quoted(hit: Hit, *, bold: bool) -> str:
    """The passage as a block quote, markdown escaped, the answer sentence bold if asked."""
    p, s = hit.passage, hit.answer
    i, j = s.start - p.start, s.end - p.start
    before, middle, after = (escape_markdown(x) for x in (p.text[:i], p.text[i:j], p.text[j:]))
    body = f"{before}**{middle}**{after}" if bold else before + middle + after
    return "\n".join("> " + line for line in body.split("\n"))


def quote_reply(result: QuoteResult, *, footer: str) -> ReplySpec:
    """The /quote reply: each quotation with its speaker, article and paragraph."""
    if result.message:
        return fit(ReplySpec(content=result.message))
    hits = shown_quotes(result)
    what = []
    if result.query:
        what.append(f"about \u201c{escape_markdown(clip(result.query, 200))}\u201d")
    if result.speaker:
        what.append(f"by speakers matching \u201c{escape_markdown(clip(result.speaker, 100))}\u201d")
    head = "Quotations " + " ".join(what) if what else "Quotations"
    if not hits:
        return fit(ReplySpec(content=f"{head}: {NO_QUOTES}"))
    embeds = tuple(
        EmbedSpec(
            title=escape_markdown(clip(speaker_line(h), 250)),
            description="> \u201c" + escape_markdown(h.quotation.text) + "\u201d",
            url=h.article.url,
            fields=(
                ("Reported in", escape_markdown(clip(cite(h.article, h.quotation.paragraph), 900))),
                *((("Also reported in", escape_markdown(clip(reported_in(h), 900))),) if h.also else ()),
            ),
            footer=footer,
        )
        for h in hits
    )
    return fit(ReplySpec(content=head, embeds=embeds, links=_links([h.article for h in hits])))


SOURCES_PER_PAGE = 10


def sources_reply(listing: list[dict[str, Any]], *, footer: str, page: int = 0) -> ReplySpec:
    """One page of the /sources reply (SOURCES_PER_PAGE articles): title, outlet, author, date,
    passages and quotations, and the link; ``more`` when another page follows."""
    pages = max(1, -(-len(listing) // SOURCES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    lines = []
    for row in listing[page * SOURCES_PER_PAGE : (page + 1) * SOURCES_PER_PAGE]:
        parts = [
            f"**{escape_markdown(clip(row['title'], 200))}**",
            escape_markdown(clip(source_meta(row), 300)),
        ]
        if row["url"]:
            parts.append(f"<{clip(row['url'], 300)}>")
        lines.append(" \u2014 ".join(parts))
    title = f"Sources ({len(listing)} articles)" + (f", page {page + 1} of {pages}" if pages > 1 else "")
    embeds = (EmbedSpec(title=title, description="\n".join(lines), footer=footer),)
    return fit(ReplySpec(embeds=embeds, more=page + 1 < pages))
