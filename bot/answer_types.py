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
