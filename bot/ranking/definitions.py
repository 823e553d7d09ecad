"""A question that asks who a named person is: a sentence that says who, or no answer.

"Who is Brittany Barnett?" is answered by a sentence that describes her the way journalism
does: an apposition after the name ("Marcus Bell, a former public defender, ..."; "Alice Marie
Johnson, 63, ..."; "Kim Kardashian West, who met the president"), the name with "is a" or "was
the" ("Marcus Bell is a former public defender"), or a role right before the name ("attorney
Shawn Holley", "White House senior adviser and ... son in law Jared Kushner", "her lawyer,
Brittany Barnett, said"). A sentence that merely names the person ("Kim Kardashian accomplished
her mission.") does not answer, however near its vector is. The ranking puts the first of the
best-ranked passages that holds such a sentence first, with that sentence as its answer
(bot.ranking.retriever), and the question is answered only when its top passage's answer
sentence describes the person. "What is Mic?" moves a sentence that describes the thing to the
top the same way ("the digital news outlet Mic"), and is answered when there is one; when there
is none it is decided as any other question is, since a thing is described in more ways than
these ("The Senate passed the First Step Act on Tuesday, a bill that ...").
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from bot.index import Index
from bot.models import Span
from bot.people import FEMALE_WORDS, MALE_WORDS, NOT_NAMES

LOOKED_AT = 10  # the best-ranked passages looked through for a sentence that says who
_NAME = r"[A-Z][\w.'\u2019-]*"
_ASKED = re.compile(
    rf"^\s*(?P<what>(?i:who|what))\s+(?i:is|was)\s+(?:(?i:the)\s+)?(?P<name>{_NAME}(?:\s+{_NAME}){{0,4}})\s*\??\s*$"
)
# nouns that stand right before a name as its role ("the reality star Kim Kardashian West",
# "attorney Shawn Holley", "her daughter Tretessa"); honorifics ("Ms.") and the words of titles
# that are no role alone ("press", "senior", "former") are not among them
ROLE_WORDS = (
    FEMALE_WORDS
    | MALE_WORDS
    | frozenset(
        """
        president senator representative congressman congresswoman governor judge justice attorney
        lawyer counsel prosecutor defender mayor pastor reverend bishop officer sergeant deputy
        adviser advisor secretary spokesman spokeswoman spokesperson magistrate professor sheriff
        commissioner ambassador chairman chairwoman director founder co-founder cofounder leader
        minister chaplain warden aide official staffer strategist lobbyist star celebrity personality
        host anchor presenter reporter journalist correspondent columnist writer author editor
        publisher blogger commentator critic activist advocate campaigner organizer organiser
        businessman businesswoman entrepreneur executive ceo owner outlet magazine newspaper website
        network station channel programme program podcast broadcaster singer rapper actor actress
        artist producer inmate prisoner client coach teacher cousin sibling spouse partner fiance
        fiancee parent relative friend colleague neighbor neighbour classmate cellmate
        """.split()
    )
)
_ROLE = "|".join(sorted((re.escape(w) for w in ROLE_WORDS), key=len, reverse=True))


def _asked(question: str) -> tuple[str, str] | None:
    """("who" or "what", the name) of a question asking to have a name described, or None."""
    found = _ASKED.match(question)
    return (found.group("what").lower(), found.group("name").rstrip(".")) if found else None


def asked_definition(question: str) -> str | None:
    """The name of a person a question asks to have described ("Who is Jared Kushner?" ->
    "Jared Kushner"), or None."""
    asked = _asked(question)
    return asked[1] if asked and asked[0] == "who" else None


def asked_thing(question: str) -> str | None:
    """The name of a thing a question asks to have described ("What is Mic?" -> "Mic"; "What is
    the Evening Post?" -> "Evening Post"), or None."""
    asked = _asked(question)
    return asked[1] if asked and asked[0] == "what" else None


@lru_cache(maxsize=256)
def _patterns(name: str, others: tuple[str, ...] = ()) -> tuple[re.Pattern[str], ...]:
    """Around the name, another of its forms, or its last word (a surname), an apposition, a
    copula or a role; the words between a role and the name are the name's own or initials
    ("Brittany K. Barnett")."""
    names = (name, *others)
    forms = sorted({*names, *(n.split()[-1] for n in names)}, key=len, reverse=True)
    mention = rf"(?P<m>\b(?:{'|'.join(re.escape(f) for f in forms)})\b)"
    own = "|".join(re.escape(w) for w in sorted({w for n in names for w in n.split()}))
    before = rf"(?i:\b(?:{_ROLE}))(?:-in-law| in law)?"
    between = rf"(?:(?:{own}|[A-Z]\.)\s+){{0,3}}"
    return (
        # an apposition after the name ("Marcus Bell, a former public defender,", "Johnson, 63,")
        re.compile(rf"{mention}\s*,\s+(?:a|an|the|who|whose|\d{{1,3}}\s*,)\s"),
        # the name with "is a", "was the"
        re.compile(rf"{mention}\s+(?:is|was|has been|had been|became|remains)\s+(?:a|an|the|one)\s"),
        # a role right before the name, or before it and a comma when a comma closes the name too
        # ("her lawyer, Brittany Barnett, said"; not "the president, Johnson said")
        re.compile(rf"{before}\s+(?:(?i:of)\s+)?{between}{mention}(?:['\u2019]s)?\b"),
        re.compile(rf"{before},\s+{between}{mention},"),
    )


_WORD_BEFORE = re.compile(r"([A-Z][\w'\u2019-]*)\s+$")


def describes(sentence: str, name: str, others: tuple[str, ...] = ()) -> bool:
    """The sentence says who ``name`` (also known by the full names ``others``) is: an
    apposition, a copula or a role. A surname alone is not the name when a first name other
    than the name's own comes before it ("the rapper Kanye West" does not describe Kim
    Kardashian West)."""
    own = {w for n in (name, *others) for w in n.split()}
    for pattern in _patterns(name, others):
        for found in pattern.finditer(sentence):
            before = _WORD_BEFORE.search(sentence, 0, found.start("m"))
            if before is None or " " in found.group("m") or before.group(1) in own:
                return True
            if before.group(1).lower() in ROLE_WORDS or before.group(1) in NOT_NAMES:
                return True
    return False


class Descriptions:
    """Which sentences of one index's passages say who a person is."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def put_first(
        self, question: str, rows: np.ndarray, positions: list[int]
    ) -> tuple[list[int], dict[int, Span]]:
        """Candidates ranked ``positions`` (indices into the passage ``rows``, best first): for a
        question asking who or what a name is, the first of the best LOOKED_AT that holds a
        sentence saying so moves to the top, the others keep their order; with that sentence's
        span, by its index (other questions: as they are)."""
        asked = _asked(question)
        if asked is None:
            return positions, {}
        name = asked[1]
        forms = self.forms(name)
        passages = self.index.passages
        for at, i in enumerate(positions[:LOOKED_AT]):
            row = int(rows[i])
            first = int(passages.sentence_rows[row])
            for start, end in passages.spans[first : first + int(passages.sentence_counts[row])].tolist():
                if describes(self._text(row, Span(start, end)), name, forms):
                    return [i, *positions[:at], *positions[at + 1 :]], {i: Span(start, end)}
        return positions, {}

    def decides(self, question: str, row: int, span: Span) -> bool | None:
        """Whether the answer sentence ``span`` of passage ``row`` answers the question, when
        this rule decides it: "Who is X?" only if it says who X is; "What is X?" if it says
        what X is (None: the answered decision's model decides)."""
        asked = _asked(question)
        if asked is None:
            return None
        what, name = asked
        said = describes(self._text(row, span), name, self.forms(name))
        return said if what == "who" else (True if said else None)

    def forms(self, name: str) -> tuple[str, ...]:
        """The other full names of the person a name means (bot.people), longest first."""
        people = self.index.people
        person = people.person(name) or people.meant_by(name.split())
        return tuple(sorted(person.forms - {name}, key=len, reverse=True)) if person else ()

    def _text(self, row: int, span: Span) -> str:
        return self.index.articles[self.index.passages.doc_id(row)].body[span.start : span.end]
