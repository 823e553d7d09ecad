"""What kind of thing a question asks for, and which sentences hold one.

A question that asks "when" wants a sentence with a year or a date; "how long", a duration;
"what did X say", a quotation. Which kinds each sentence holds is worked out when the index
is built (one byte a sentence, ``sentence_types.npy``), so ranking never reads article text.
``SIGNATURE`` changes with the patterns; a build made with other patterns is rebuilt.
"""

from __future__ import annotations

import hashlib
import re

_YEAR = r"\b(?:1[6-9]\d\d|20\d\d)\b"
_MONTH_DAY = (
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today)\b"
    r"|\blast (?:week|month|year|fall|spring|summer|winter)\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
)
_DURATION = (
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|several|many)[\s-]+"
    r"(?:years?|months?|weeks?|days?|hours?|decades?)\b|\bdecades\b"
)
_AGE = r"\b\d+-year-old\b|\baged? \d+\b|\b\d+ years old\b"
_NUMBER = r"\d"
_QUOTE = r"[\"\u201c\u201d]"
# (question pattern, what a sentence that answers it contains)
ANSWER_TYPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(q, re.IGNORECASE), re.compile(a))
    for q, a in (
        (r"\bhow old\b|\bage\b", _AGE),
        (r"\bhow long\b|\bhow many (?:years|months|weeks|days|decades)\b", _DURATION),
        (r"\bwhat year\b|\bwhich year\b|\bin what year\b", _YEAR),
        (r"^\s*when\b|\bwhat (?:date|day|month)\b", f"{_YEAR}|{_MONTH_DAY}"),
        (r"\bhow (?:much|many)\b", _NUMBER),
        (
            r"\bwhat did\b.*\b(?:say|said|tweet|tweeted|write|wrote|tell|told|call|called|post|posted)\b"
            r"|\b(?:quote|words)\b",
            _QUOTE,
        ),
    )
)

SIGNATURE = hashlib.sha256(
    "\n".join(f"{q.pattern}\t{a.pattern}" for q, a in ANSWER_TYPES).encode()
).hexdigest()[:16]


def wanted_types(question: str) -> int:
    """Bit i is set when the question asks for the kind of thing of ANSWER_TYPES[i]."""
    return sum(1 << i for i, (asks, _) in enumerate(ANSWER_TYPES) if asks.search(question))


def sentence_types(body: str, start: int, end: int) -> int:
    """Bit i is set when body[start:end] holds the kind of thing of ANSWER_TYPES[i]."""
    return sum(1 << i for i, (_, holds) in enumerate(ANSWER_TYPES) if holds.search(body, start, end))


# The answered decision (bot.ranking.decision) asks of the top passage's answer sentence alone,
# at question time, whether it holds the kind of value asked for; these kinds are wider than the
# ranking's (a height, a sum of money, a person, a place), and they never change the ranking.
_HEIGHT = (
    r"\b\d+(?:\.\d+)?\s?(?:feet|foot|ft|inches|inch|cm|centimet(?:er|re)s?|met(?:er|re)s?)\b"
    r"|\d\s?['\u2032]\s?\d"
)
_MONEY = r"[$\u00a3\u20ac]\s?\d|\b\d[\d,.]*\s?(?:dollars?|million|billion|thousand)\b|\bfortune\b"
_PERSON = r"(?<=\S)\s+[A-Z][a-z]+|\b(?:Mr|Mrs|Ms|Dr)\.\s"
_PLACE = r"\b(?:in|at|from|to|near|inside|outside)\s+(?:the\s+)?[A-Z][a-z]+"
# an age written as journalism writes it ("Alice Marie Johnson, 63, ...") and a count in
# words ("three of her children"): the decision's "how old" and "how many" read these too. A
# year alone is not a count ("a memoir in 2019" says nothing of how many were sold): a number
# counts unless it is a bare year, which a count of so many things seldom is
_AGE_WRITTEN = rf"{_AGE}|,\s\d{{1,3}},|\bage (?:of )?\d+\b|\bat \d{{1,3}}\b"
_COUNT = (
    rf"(?<![\d,.])(?!{_YEAR}(?![\d,.]\d))\d"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?|once|twice|both|single)\b"
)
# a year as histories write it too: any from 1000 ("in 1253"), a decade ("the 1970s"), a century
# ("the 14th century") or an era ("44 BC"); the ranking's stored kinds keep _YEAR
_YEAR_WRITTEN = (
    r"\b(?:1\d{3}|20\d\d)s?\b|\b\d{1,2}(?:st|nd|rd|th)[\s-]century\b"
    r"|\b\d{1,4}\s?(?:BC|BCE|AD|CE)\b|\bAD\s?\d{1,4}\b"
)
DECISION_TYPES: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (ANSWER_TYPES[0][0], re.compile(_AGE_WRITTEN)),
    ANSWER_TYPES[1],
    (ANSWER_TYPES[2][0], re.compile(_YEAR_WRITTEN)),
    (ANSWER_TYPES[3][0], re.compile(f"{_YEAR_WRITTEN}|{_MONTH_DAY}")),
    (ANSWER_TYPES[4][0], re.compile(_COUNT, re.IGNORECASE)),
    *(
        (re.compile(q, re.IGNORECASE), re.compile(a))
        for q, a in (
            (r"\bhow tall\b|\bheight\b", _HEIGHT),
            (
                r"\bhow much\b.*\b(?:cost|worth|money|pay|paid|salary|charge|earn|spend|spent)\b"
                r"|\bnet worth\b",
                _MONEY,
            ),
            (r"^\s*(?:who|whom|whose)\b|\bwhat(?:'s| is| was) (?:the |her |his |their )?name\b", _PERSON),
            (r"^\s*where\b|\bwhich (?:city|town|state|country|prison|place)\b", _PLACE),
        )
    ),
)


# the kinds whose value is a precise one a sentence either states or not (an age, a year, a
# count, a height, a sum of money): the decision weighs their absence apart from the looser
# kinds (a date, a duration, a person, a place), which many a sentence seems to hold
VALUE_KINDS = 1 << 0 | 1 << 2 | 1 << 4 | 1 << 5 | 1 << 6


def decision_wanted(question: str) -> int:
    """Bit i is set when the question asks for the kind of value of DECISION_TYPES[i]."""
    return sum(1 << i for i, (asks, _) in enumerate(DECISION_TYPES) if asks.search(question))


def decision_held(text: str, wanted: int) -> bool:
    """The text holds a value of a kind the question asks for (``wanted`` from decision_wanted)."""
    return any(wanted >> i & 1 and holds.search(text) for i, (_, holds) in enumerate(DECISION_TYPES))
