"""Sources: listing them (``/sources``, ``bot.ask --sources``), what ``source:`` (Discord) and
``--source`` (terminal) match, and the choices offered while typing one.

A source is named by an article's id, its outlet or its title: an exact match (letter case
aside) wins; otherwise every article whose outlet or title contains the words given. An outlet
stands for all of its articles.
"""

from __future__ import annotations

import re
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


class NamedOutlets:
    """The outlets a question names ("According to the Valley Gazette, how long ..."): each
    outlet of the corpus as a phrase of whole words, a leading "The" optional; one of two words
    or more in any letter case, a one-word outlet only as it is written and not as the
    question's first word ("What does Reason say?", never "the reason"), since a single word is
    far more often a word than the outlet."""

    def __init__(self, outlets: Iterable[str | None]) -> None:
        self._by_fold: dict[str, str] = {}
        self._by_word: dict[str, str] = {}
        for outlet in {o for o in outlets if o and o.strip()}:
            phrase = " ".join(outlet.split())
            phrase = phrase[4:] if phrase.casefold().startswith("the ") and len(phrase) > 4 else phrase
            if " " in phrase:
                self._by_fold[phrase.casefold()] = outlet
            else:
                self._by_word[phrase] = outlet
        self._folded = _alternation(self._by_fold, re.IGNORECASE)
        self._words = _alternation(self._by_word, 0)

    def named(self, question: str) -> tuple[list[str], str]:
        """The outlets the question names, in the order it names them, and the question without
        them (nor an "according to" or "the" before them): what it asks of their articles."""
        found: dict[str, None] = {}
        spans: list[tuple[int, int]] = []
        first = re.match(r"\W*", question)
        opening = first.end() if first else 0
        for pattern, table, key in (
            (self._folded, self._by_fold, str.casefold),
            (self._words, self._by_word, str),
        ):
            for match in pattern.finditer(question) if pattern is not None else ():
                if table is self._by_word and match.start("outlet") == opening:
                    continue
                found[table[key(" ".join(match.group("outlet").split()))]] = None
                spans.append(match.span())
        rest = question
        for start, end in sorted(spans, reverse=True):
            rest = rest[:start] + " " + rest[end:]
        rest = re.sub(r"\s+([,.?!;:])", r"\1", " ".join(rest.split()))
        rest = re.sub(r"[,;:]+(?=[.?!]|$)", "", rest).lstrip(" ,;:")  # "..., according to X?"
        return list(found), rest[:1].upper() + rest[1:] if question[:1].isupper() else rest


def _alternation(phrases: dict[str, str], flags: int) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = sorted(phrases, key=len, reverse=True)  # the longest outlet first
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in alternatives)
    return re.compile(
        r"(?:(?i:according\s+to)\s+)?(?:(?i:the)\s+)?"
        rf"(?<![\w'\u2019])(?P<outlet>{body})(?:['\u2019]s)?(?![\w'\u2019-])",
        flags,
    )


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
