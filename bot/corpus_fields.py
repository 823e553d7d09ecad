"""The forgiving side of the corpus format: dates as outlets write them, field names as web
pages and other tools call them, any file name.

Each function either gives the normalised value or raises ValueError with the fix.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Field names other tools use, read as ours (a file may use either, not both).
SYNONYMS = {
    "date": "published",
    "pubdate": "published",
    "published_at": "published",
    "publication_date": "published",
    "datepublished": "published",
    "byline": "author",
    "by": "author",
    "authors": "author",
    "source": "outlet",
    "publisher": "outlet",
    "site": "outlet",
    "site_name": "outlet",
    "publication": "outlet",
    "link": "url",
    "canonical": "url",
    "canonical_url": "url",
    "source_url": "url",
    "headline": "title",
    "photo_credit": "credit",
    "image_credit": "credit",
}

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_TIME_AFTER = r"(?:(?:\s*,\s*|\s+at\s+|\s+)\d{1,2}[:.]\d{2}.*)?"
# matched against the lower-cased text: "t" and "z" are ISO 8601's T and Z
_CLOCK = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?"
_ISO = re.compile(rf"^(\d{{4}})-(\d{{2}})-(\d{{2}})(?:[t ]{_CLOCK})?$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_MONTH_FIRST = re.compile(
    rf"^{_WEEKDAY}([a-z]+)\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_TIME_AFTER}$"
)
_DAY_FIRST = re.compile(rf"^{_WEEKDAY}(\d{{1,2}})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{{4}}){_TIME_AFTER}$")
DATE_FORMS = "2018-06-06, 2018-06-06T18:54:00-04:00, June 6, 2018, Wed, Jun 6, 2018 or 6 June 2018"


def normalise_date(value: str) -> str:
    """A publication date as YYYY-MM-DD. A date-time keeps the date it was written with (the
    publisher's local date, not UTC). Numeric forms like 06/07/2018 are refused: day or month?"""
    text = " ".join(value.split()).lower()
    year = month = day = None
    if (m := _ISO.match(text)) or (m := _SLASHED.match(text)):
        year, month, day = (int(g) for g in m.groups())
    elif (m := _MONTH_FIRST.match(text)) and m.group(1) in _MONTHS:
        year, month, day = int(m.group(3)), _MONTHS[m.group(1)], int(m.group(2))
    elif (m := _DAY_FIRST.match(text)) and m.group(2) in _MONTHS:
        year, month, day = int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1))
    if year is None or month is None or day is None:
        raise ValueError(f"published must be a date (YYYY-MM-DD, or as {DATE_FORMS}), not {value!r}")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"published is not a real date: {value!r} (YYYY-MM-DD)") from None


def slug(stem: str) -> str:
    """An article id from any file name: ASCII letters and digits, lower case, joined by '-'."""
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:128].strip("-")
