"""Article -> Passages: paragraph-based, sentence-aware, with offsets into the body.

A passage is one paragraph; a paragraph longer than ``max_chars`` is cut at sentence
boundaries into pieces that share one sentence with their neighbour. Every passage and
sentence is a slice of the body, so ``body[start:end] == text`` always holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.models import Article, Passage, Span

# The version of the rules below (sentences and passages): a build made under other rules is
# rebuilt on first use, its vectors reused for every text that did not change.
SENTENCE_RULES = 2
MAX_PASSAGE_CHARS = 900  # quoted with markers and a citation, a passage fits a 1,024-char field

BLANK_LINE = re.compile(r"\n[ \t\f\v\u00a0\u3000]*\n")  # what separates paragraphs
_OPEN_QUOTES = '"\u201c'
_CLOSE_QUOTES = '"\u201d'
# A sentence that opens with one of these continues the previous one ("...!" she said).
_SAYING = (
    r"(?:said|says|wrote|writes|tweeted|tweets|told|tells|added|adds|asked|asks|explained|"
    r"noted|continued|stated|posted|replied|recalled|exclaimed|declared|insisted|shared)"
)
_ATTRIBUTION_START = re.compile(
    rf"^(?:(?:[A-Z][\w'\u2019.-]*|the|a|an|her|his|their|she|he|they|I|we)\s+){{1,4}}"
    rf"(?:\w+ly\s+|later\s+|then\s+|also\s+)?{_SAYING}\b"
)


# Words that stand before a name and never end a sentence ("Ms. Johnson", "Dr. Jones"), a lone
# initial ("U.S. Judge J. Doe"), and month abbreviations before a day ("Jan. 5"): a sentence
# that a segmenter ends on one of them continues with the next.
_TITLES = (
    "mr|ms|mrs|mx|dr|prof|rev|fr|sr|sen|rep|gov|gen|lt|col|maj|sgt|capt|cmdr|adm|supt|det|insp|atty|"
    "hon|pres|st|mt|ft|messrs|mmes"
)
_MONTHS = "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_ENDS_ON_TITLE = re.compile(rf"(?:^|[\s(\[\u201c\"'])(?i:{_TITLES})\.$")
# a lone capital after a capitalised word or at the start ("Judge J.", "J."), not "an A."
_ENDS_ON_INITIAL = re.compile(r"(?:^|(?:^|\s)[A-Z][\w'\u2019-]*\s+)[A-Z]\.$")
_ENDS_ON_MONTH = re.compile(rf"(?:^|\s)(?i:{_MONTHS})\.$")
_FIRST_WORD = re.compile(r"[^\W\d_]+")


# how a sentence ends: a line that ends otherwise is a heading, not a statement
_SENTENCE_END = re.compile(r"[.!?:;,\"'\u201d\u2019)\]]$")


def is_heading(line: str) -> bool:
    """A short line that does not end as a sentence does: a title, a kicker, a subhead, a court
    record's caption ("UNITED STATES DISTRICT COURT, WESTERN DISTRICT OF TENNESSEE")."""
    return len(line) <= 150 and not _SENTENCE_END.search(line)


def paragraphs(body: str) -> list[Span]:
    """Spans of the body's paragraphs (runs of non-blank lines), whitespace trimmed."""
    spans: list[Span] = []
    pos = 0
    for match in BLANK_LINE.finditer(body):
        _append_trimmed(body, pos, match.start(), spans)
        pos = match.end()
    _append_trimmed(body, pos, len(body), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, out: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Span(start, end))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]`` (offsets into ``text``), whitespace trimmed.

    Uses sentencex (Wikimedia's maintained segmenter: abbreviations such as Ms., U.S., Jr.),
    then joins a quotation that ends in "!" or "?" to the attribution that follows it
    ("BEST NEWS EVER!!!!" Kardashian wrote ...), a piece that starts in lower case to the
    sentence before it, and a piece that follows a title or a lone initial ("Ms.", "Dr.", "J.")
    or a month before its day ("Jan. 5"). A quotation that ends in a period ends its sentence.
    """
    from sentencex import segment  # type: ignore[attr-defined]  # exported lazily

    end = len(text) if end is None else end
    chunk = text[start:end]
    raw: list[Span] = []
    pos = 0
    for piece in segment("en", chunk):
        stripped = piece.strip()
        if not stripped:
            continue
        found = chunk.find(stripped, pos)
        if found < 0:  # the segmenter changed the text: keep the rest as one sentence
            break
        raw.append(Span(start + found, start + found + len(stripped)))
        pos = found + len(stripped)
    rest: list[Span] = []
    _append_trimmed(text, start + pos, end, rest)
    raw.extend(rest)
    return _merge_attributions(text, raw)


def _merge_attributions(text: str, spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        current = text[span.start : span.end]
        if merged:
            previous = text[merged[-1].start : merged[-1].end]
            if (
                current[:1].islower()
                or (_is_whole_quotation(previous) and _ATTRIBUTION_START.match(current))
                or _ENDS_ON_TITLE.search(previous)
                or (_ENDS_ON_INITIAL.search(previous) and _continues_a_name(current))
                or (_ENDS_ON_MONTH.search(previous) and current[:1].isdigit())
            ):
                merged[-1] = Span(merged[-1].start, span.end)
                continue
        merged.append(span)
    return merged


def _continues_a_name(piece: str) -> bool:
    """The piece opens with a capitalised word that is no common opener of a sentence ("Doe",
    not "Then", "She", "The"): what follows an initial in a name."""
    from bot.analysis import STOPWORDS

    word = _FIRST_WORD.match(piece)
    return bool(word and word.group()[0].isupper() and word.group().casefold() not in STOPWORDS)


def _is_whole_quotation(sentence: str) -> bool:
    return (
        len(sentence) >= 2
        and sentence[0] in _OPEN_QUOTES
        and sentence[-1] in _CLOSE_QUOTES
        and sentence[-2] in "!?"
    )


def make_passages(article: Article, max_chars: int = MAX_PASSAGE_CHARS) -> list[Passage]:
    """The passages of an article, in body order."""
    body = article.body
    passages: list[Passage] = []
    for number, para in enumerate(paragraphs(body), start=1):
        sentences = _bounded(body, split_sentences(body, para.start, para.end), max_chars)
        for window in _windows(sentences, max_chars):
            start, end = window[0].start, window[-1].end
            passages.append(
                Passage(
                    doc_id=article.doc_id,
                    paragraph=number,
                    start=start,
                    end=end,
                    text=body[start:end],
                    sentences=tuple(window),
                )
            )
    return passages


def _bounded(text: str, sentences: list[Span], max_chars: int) -> list[Span]:
    """Cut any sentence longer than max_chars at whitespace (at a hard limit if none)."""
    out: list[Span] = []
    for s in sentences:
        start = s.start
        while s.end - start > max_chars:
            cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
            if cut <= start:
                cut = start + max_chars
            _append_trimmed(text, start, cut, out)
            start = cut
        _append_trimmed(text, start, s.end, out)
    return out


def _windows(sentences: list[Span], max_chars: int) -> Iterator[list[Span]]:
    """Greedy runs of sentences within max_chars; consecutive runs share one sentence."""
    if not sentences:
        return
    if sentences[-1].end - sentences[0].start <= max_chars:
        yield sentences
        return
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences) and sentences[j].end - sentences[i].start <= max_chars:
            j += 1
        yield sentences[i:j]
        if j >= len(sentences):
            return
        # share the last sentence with the next window when both fit in one
        shared = j - 1
        fits = sentences[j].end - sentences[shared].start <= max_chars
        i = shared if shared > i and fits else j
