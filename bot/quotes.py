"""Article -> Quotations: text that stood inside quotation marks, with who said it.

Quote marks are straight (") and curly (“ ”) double quotes; single quotes and apostrophes
(Johnson's, ’90s, 'nested') never open a quotation. A quotation broken by its attribution
("I think ...," Kardashian said, "He really ...") is two quotations of the same speaker. A
quotation that runs over several paragraphs (each opening with a mark, only the last one
closed) gives one quotation per paragraph. An opening mark that is never closed is ignored:
the extent of its quotation cannot be known.

The speaker is found in the quotation's sentence with the quotation text masked out, in this
order: "X quoted Y as ...", an attribution right after the closing mark ("," Kardashian
wrote), an attribution right before the opening mark (Kardashian said, "), "according to X",
then the sentence's subject when its verb is one of saying or calling ("The judge who sentenced
Johnson called her ..."). A sentence that is nothing but quotations continues the speaker of
the quotation before it. Pronouns resolve to the last named speaker; names to their fullest
form in the article ("Kardashian", "Kim" -> "Kim Kardashian"). Otherwise: unknown (None).
"""

from __future__ import annotations

import re
from collections import Counter

from bot.chunking import paragraphs, split_sentences
from bot.models import Article, Quotation, Span

OPEN_MARKS = '"\u201c'
CLOSE_MARKS = '"\u201d'

_MASK = "\u2588"
_SAY = (
    r"(?:said|says|say|wrote|writes|write|tweeted|tweets|tweet|told|tells|added|adds|asked|asks|explained|"
    r"noted|notes|stated|states|posted|posts|recalled|continued|replied|responded|argued|insisted|"
    r"declared|exclaimed|shared|called|calls|described|describes|announced|testified)"
)
_ADVERB = r"(?:(?:\w+ly|later|also|then|first|once|again|previously|recently)\s+)"
_NAME_WORD = r"(?:(?:Mr|Ms|Mrs|Dr|Jr|Sr|St|Sen|Rep|Gov|Gen|Lt|Col|U\.S|[A-Z])\.|[A-Z][\w'\u2019&-]*)"
_NAME = rf"(?:(?:the\s+|The\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD})*)"
_PRONOUN = r"(?:she|he|they|She|He|They)"
_ROLE = r"(?:(?:the|The)\s+[a-z]+(?:\s+who\s+[a-z]+(?:\s+[A-Z][\w'\u2019]*)*)?)"
_WHO = rf"(?:{_ROLE}|{_PRONOUN}|{_NAME})"

_QUOTED_AS = re.compile(rf"{_NAME}\s+quoted\s+(?P<who>{_NAME})\s+as\b")
_AFTER = re.compile(rf"^[\s,]*(?:(?P<who>{_WHO})\s+{_ADVERB}?{_SAY}\b|{_SAY}\s+(?P<who2>{_NAME})\b)")
_BEFORE = re.compile(
    rf"(?P<who>{_WHO})\s+{_ADVERB}?{_SAY}(?:\s+(?:{_NAME}|him|her|them|reporters))?\s*[,:]?\s*$"
)
_ACCORDING = re.compile(rf"\b[Aa]ccording\s+to\s+(?P<who>{_NAME})")
_SUBJECT = re.compile(rf"^(?:[^,{_MASK}]*,\s*)?(?P<who>{_WHO})\s+{_ADVERB}?{_SAY}\b")

_TITLES = frozenset(
    "President Ms. Ms Mr. Mr Mrs. Mrs Dr. Dr Judge Sen. Senator Rep. Gov. Governor Attorney".split()
)
_NOT_NAMES = frozenset(
    "The A An In On At According She He They It This That But And When After Then Her His Their "
    "I We You If So As For With From By Of To".split()
)


def extract_quotations(article: Article) -> list[Quotation]:
    """Every quotation of an article, in body order, with its speaker (None if unknown)."""
    body = article.body
    names = _article_names(body)
    paras = paragraphs(body)
    raw: list[tuple[int, Span, int]] = []  # (paragraph number, text span, closing mark or -1)
    for number, para in enumerate(paras, start=1):
        next_opens = number < len(paras) and body[paras[number].start] in OPEN_MARKS
        for span, closed in _marked_spans(body, para, continues=next_opens):
            raw.append((number, span, closed))

    quotations: list[Quotation] = []
    last_speaker: tuple[int, str] | None = None  # (paragraph, speaker)
    sentence_cache: dict[int, list[Span]] = {}
    for number, span, _closed in raw:
        para = paras[number - 1]
        sentences = sentence_cache.setdefault(number, split_sentences(body, para.start, para.end))
        context = _context(sentences, span)
        in_context = [s for _, s, _ in raw if context.start <= s.start - 1 and s.end <= context.end]
        masked = _masked(body, context, in_context)
        mention = _attribute(masked, span.start - 1 - context.start, span.end + 1 - context.start)
        speaker: str | None = None
        if mention == "":  # only quotations in this sentence: the speaker goes on
            if last_speaker and number - last_speaker[0] <= 1:
                speaker = last_speaker[1]
        elif mention is not None:
            if re.fullmatch(_PRONOUN, mention):
                if last_speaker and number - last_speaker[0] <= 2:
                    speaker = last_speaker[1]
            else:
                speaker = _canonical(mention, names)
        if speaker:
            last_speaker = (number, speaker)
        quotations.append(
            Quotation(
                doc_id=article.doc_id,
                paragraph=number,
                start=span.start,
                end=span.end,
                text=body[span.start : span.end],
                speaker=speaker,
                context=context,
            )
        )
    return quotations


def _marked_spans(body: str, para: Span, *, continues: bool) -> list[tuple[Span, int]]:
    """Text spans between matching marks in one paragraph (trimmed, non-empty)."""
    out: list[tuple[Span, int]] = []
    opened: int | None = None
    for i in range(para.start, para.end):
        ch = body[i]
        if ch not in OPEN_MARKS and ch not in CLOSE_MARKS:
            continue
        opening = ch != "\u201d" and _looks_opening(body, i, para)
        closing = ch != "\u201c" and i > para.start and not body[i - 1].isspace()
        if opened is None:
            if opening:
                opened = i
        elif closing:
            _add(body, opened + 1, i, i, out)
            opened = None
        elif opening:  # the earlier mark was never closed: its extent is unknown
            opened = i
    if opened is not None and continues:
        _add(body, opened + 1, para.end, -1, out)
    return out


def _looks_opening(body: str, i: int, para: Span) -> bool:
    before_ok = i == para.start or body[i - 1].isspace() or body[i - 1] in "([{\u2014\u2013-/"
    return before_ok and i + 1 < para.end and not body[i + 1].isspace()


def _add(body: str, start: int, end: int, closed: int, out: list[tuple[Span, int]]) -> None:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    if end > start and any(ch.isalnum() for ch in body[start:end]):
        out.append((Span(start, end), closed))


def _context(sentences: list[Span], span: Span) -> Span:
    """The sentences that overlap the quotation (marks included)."""
    touching = [s for s in sentences if s.start < span.end + 1 and s.end > span.start - 1]
    if not touching:
        return Span(span.start, span.end)
    return Span(min(s.start for s in touching), max(s.end for s in touching))


def _masked(body: str, context: Span, quoted: list[Span]) -> str:
    chars = list(body[context.start : context.end])
    for s in quoted:
        lo = max(s.start - 1, context.start) - context.start
        hi = min(s.end + 1, context.end) - context.start
        chars[lo:hi] = _MASK * (hi - lo)
    return "".join(chars)


def _attribute(masked: str, open_at: int, close_at: int) -> str | None:
    """The speaker mention for the quotation at masked[open_at:close_at]; "" means the
    sentence holds nothing but quotations; None means no attribution was found."""
    after = masked[close_at:].split(_MASK, 1)[0]
    before = masked[:open_at].rsplit(_MASK, 1)[-1]
    for pattern, text in ((_QUOTED_AS, masked), (_AFTER, after), (_BEFORE, before), (_ACCORDING, masked)):
        match = pattern.search(text)
        if match:
            return _mention(match)
    match = _SUBJECT.search(masked)
    if match and _MASK in masked[match.end() :]:
        return _mention(match)
    if not any(ch.isalpha() for ch in masked.replace(_MASK, "")):
        return ""
    return None


def _mention(match: re.Match[str]) -> str | None:
    who = match.groupdict().get("who") or match.groupdict().get("who2")
    if not who:
        return None
    first = who.split()[0]
    if first in _NOT_NAMES and first not in ("The", "She", "He", "They") and len(who.split()) == 1:
        return None
    return who


def _article_names(body: str) -> Counter[str]:
    """Names of two or more capitalised words in the body ("Kim Kardashian"), titles removed."""
    names: Counter[str] = Counter()
    for match in re.finditer(rf"{_NAME_WORD}(?:\s+{_NAME_WORD})+", body):
        words = [w for w in _strip_possessive(match.group()).split() if not w.isupper() or len(w) <= 1]
        while words and (words[0] in _TITLES or words[0] in _NOT_NAMES):
            words = words[1:]
        if len(words) >= 2:
            names[" ".join(words)] += 1
    return names


def _strip_possessive(text: str) -> str:
    return re.sub(r"['\u2019]s\b", "", text)


def _canonical(mention: str, names: Counter[str]) -> str:
    """The fullest name in the article for a mention; roles and unknown names as written."""
    mention = _strip_possessive(mention.strip())
    if re.match(_ROLE + "$", mention):
        return mention[0].lower() + mention[1:]
    words = mention.split()
    if words and words[0].lower() == "the":
        words = words[1:]
    while len(words) > 1 and words[0] in _TITLES:
        words = words[1:]
    wanted = set(words)
    candidates = [n for n in names if wanted <= set(n.split()) and len(n.split()) > len(words)]
    if not candidates:
        return " ".join(words)
    return max(
        candidates, key=lambda n: (n.split()[-1] in wanted or n.split()[0] in wanted, names[n], len(n))
    )
