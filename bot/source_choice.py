"""Sources: listing them (``/sources``, ``bot.ask --sources``), what ``source:`` (Discord) and
``--source`` (terminal) match, and the choices offered while typing one.

A source is named by an article's id, its outlet or its title: an exact match (letter case
aside) wins; otherwise every article whose outlet or title contains the words given. An outlet
stands for all of its articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from bot.models import Article

CHOICES = 25  # Discord shows at most 25 autocomplete choices
CHOICE_LENGTH = 100  # and each name and value is at most 100 characters


def no_source(wanted: str) -> str:
    return f"No source matches {wanted[:100]!r}: /sources (python -m bot.ask --sources) lists them."


def _fold(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def match_sources(articles: Iterable[Article], wanted: str) -> list[Article]:
    """The articles ``wanted`` names (none: an empty list)."""
    articles = list(articles)
    key = _fold(wanted)
    if not key:
        return []
    exact = [a for a in articles if key in (_fold(a.doc_id), _fold(a.outlet), _fold(a.title))]
    if exact:
        return exact
    words = key.split()
    return [a for a in articles if all(w in f"{_fold(a.outlet)} {_fold(a.title)}" for w in words)]


def source_choices(articles: Sequence[Article], typed: str) -> list[tuple[str, str]]:
    """(label, value) pairs for an autocomplete: outlets first (each once, with its number of
    articles), then single articles by title; only those containing what was typed."""
    key = _fold(typed)
    choices: list[tuple[str, str]] = []
    outlets = Counter(a.outlet for a in articles if a.outlet)
    for outlet, count in sorted(outlets.items(), key=lambda item: (-item[1], _fold(item[0]))):
        if key in _fold(outlet) and len(outlet) <= CHOICE_LENGTH:
            choices.append((_clip(f"{outlet} ({count} article{'s' if count != 1 else ''})"), outlet))
    for a in sorted(articles, key=lambda a: (_fold(a.title), a.doc_id)):
        label = f"{a.title} \u2014 {a.outlet}" if a.outlet else a.title
        if key in _fold(label) and len(a.doc_id) <= CHOICE_LENGTH:
            choices.append((_clip(label), a.doc_id))
    return choices[:CHOICES]


def _clip(text: str) -> str:
    return text if len(text) <= CHOICE_LENGTH else text[: CHOICE_LENGTH - 1] + "\u2026"


def sources_listing(
    articles: list[Article],
    counts: dict[str, tuple[int, int]],
    copies: dict[str, tuple[str, float]] | None = None,
) -> list[dict[str, Any]]:
    """Every article, oldest first (undated last): citation fields, passages and quotations,
    and ``copy_of`` (the article it is a syndicated copy of, with the similarity) or None."""
    ordered = sorted(articles, key=lambda a: (a.published or "9999", a.title.casefold(), a.doc_id))
    by_id = {a.doc_id: a for a in articles}
    copies = copies or {}

    def copy_of(doc_id: str) -> dict[str, Any] | None:
        if doc_id not in copies or copies[doc_id][0] not in by_id:
            return None
        of, score = copies[doc_id]
        original = by_id[of]
        return {"doc_id": of, "outlet": original.outlet, "title": original.title, "similarity": score}

    return [
        {
            **a.citation_fields(),
            "passages": counts.get(a.doc_id, (0, 0))[0],
            "quotations": counts.get(a.doc_id, (0, 0))[1],
            "copy_of": copy_of(a.doc_id),
        }
        for a in ordered
    ]


def source_meta(row: dict[str, Any]) -> str:
    parts = [row["outlet"], f"by {row['author']}" if row["author"] else None, row["published"]]
    counted = f"{row['passages']} passage{'s' if row['passages'] != 1 else ''}, " + (
        f"{row['quotations']} quotation{'s' if row['quotations'] != 1 else ''}"
    )
    copy = row.get("copy_of")
    copied = (
        f"a copy of {copy['outlet'] or copy['title']} ({copy['similarity']:.0%} the same)" if copy else None
    )
    return ", ".join([x for x in parts if x] + [counted] + ([copied] if copied else []))


def sources_to_text(listing: list[dict[str, Any]]) -> str:
    lines = [f"{len(listing)} source article{'s' if len(listing) != 1 else ''}:"]
    for row in listing:
        lines.append(f"- {row['title']} ({source_meta(row)})")
        lines.append(f"  id {row['doc_id']}" + (f", {row['url']}" if row["url"] else ""))
    return "\n".join(lines)
