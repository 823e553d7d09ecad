"""A question for a named person's words is not answered with somebody else's.

"What did Trump tweet about Johnson?" asks for Trump's words (``asked_speaker``);
an answer sentence whose quotations are all another person's ("BEST NEWS EVER!!!!" Kardashian
wrote) does not answer it, however near its words are: a wrong speaker is among the worst bugs
this product can have. Each quotation's speaker was found when the index was built
(bot.quotes); a quotation whose speaker is not known might be the one asked for, so it never
counts against a sentence.
"""

from __future__ import annotations

import re

from bot.index import Index
from bot.index.tables import quotations_by_article
from bot.models import Quotation, Span
from bot.quote_search import speaker_matches

# the one asked is the capitalised words between "what did" and a verb of saying; a role or a
# pronoun ("the star", "she") is not read: only a name can be told apart from a speaker surely
_SPEAKER_ASKED = re.compile(
    r"^\s*(?i:what (?:did|does|do|has|had|would|will)) "
    r"(?P<who>[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){0,3})\s+"
    r"(?i:say|said|tweet|tweeted|write|wrote|tell|told|post|posted|call|called)\b"
)


def asked_speaker(question: str) -> str | None:
    """The name whose words the question asks for ("What did Sarah Sanders say ..." -> "Sarah
    Sanders"), or None."""
    found = _SPEAKER_ASKED.search(question)
    return found.group("who") if found else None


class QuotedSpeakers:
    """The quotations of one index by article (read on first use), and who speaks in a span."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._by_article: dict[str, list[Quotation]] | None = None

    def inside(self, doc_id: str, span: Span) -> list[Quotation]:
        """The quotations of the article that lie within ``span``."""
        if self._by_article is None:
            self._by_article = quotations_by_article(self.index.quotations)
        return [q for q in self._by_article.get(doc_id, ()) if span.start <= q.start and q.end <= span.end]

    def another_speaks(self, question: str, doc_id: str, span: Span) -> bool:
        """The question asks for a named person's words and every quotation within ``span`` is
        someone else's, each with its speaker known (and there is at least one)."""
        wanted = asked_speaker(question)
        if wanted is None:
            return False
        inside = self.inside(doc_id, span)
        people = self.index.people
        return (
            bool(inside)
            and all(q.speaker for q in inside)
            and not any(speaker_matches(q.speaker, wanted, people) for q in inside)
        )
