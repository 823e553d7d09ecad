"""Article -> Quotations: text that stood inside quotation marks, with who said it.

Quote marks are straight (") and curly (“ ”) double quotes; single quotes and apostrophes
(Johnson's, ’90s, 'nested') never open a quotation. A quotation broken by its attribution
("I think ...," Kardashian said, "He really ...") is two quotations of the same speaker. A
quotation that runs over several paragraphs (each opening with a mark, only the last one
closed) gives one quotation per paragraph. An opening mark that is never closed is ignored:
the extent of its quotation cannot be known.

The speaker is found in the quotation's sentence with the quotation text masked out, in this
order: "X quoted Y as ..."; a clause of saying before the quotation whose words it holds
("Sanders said Ms. Johnson had “...”", "She later told Mic that ... “...”", "The Associated
Press reported that Gibbons once called Johnson “...”": the innermost sayer speaks, an outer
one or an attribution after the quotation, "..., Barnett said", becomes ``reported_by``); an
attribution right after the closing mark ("," Kardashian wrote / said Barnett) or right
before the opening mark (Kardashian said, "); the subject of a clause that ends in a colon
("Kushner described the day in an interview: “...”"); "according to X"; then the sentence's
subject when its verb is one of saying or calling ("The judge who sentenced Johnson called
her ..."). A sentence that is nothing but quotations continues the speaker of the quotation
before it, or of a paragraph that ended in a colon. Otherwise: unknown (None).

Mentions resolve to people (``bot.people``): a surname or first name to the article's
fullest name holding it; "she" and "he" to the last person of that gender (or of none known)
named in the last three paragraphs, the subject of a sentence before any other mention; a
role ("the press secretary", "the president") to the one person of the article who carried
it as a title, else it stays a role ("the sister"); then each name to the name the corpus
shows for that person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.aliases import NO_ALIASES, Aliases
from bot.chunking import paragraphs, split_sentences
from bot.models import Article, Quotation, Span
from bot.people import (
    FEMALE_WORDS,
    MALE_WORDS,
    NOT_NAMES,
    ORG_WORDS,
    TITLE_WORDS,
    ArticleNames,
    People,
    build_people,
    fold,
    is_institution,
    mention_words,
    read_article_names,
)

# The version of the rules below: a build made under other rules is rebuilt on first use.
QUOTATION_RULES = 2
OPEN_MARKS = '"\u201c'
CLOSE_MARKS = '"\u201d'

_MASK = "\u2588"
_SAY = (
    r"(?:said|says|say|wrote|writes|write|tweeted|tweets|tweet|told|tells|added|adds|asked|asks|explained|"
    r"noted|notes|stated|states|posted|posts|recalled|continued|replied|responded|argued|insisted|"
    r"declared|exclaimed|shared|called|calls|described|describes|announced|testified|stressed|"
    r"emphasized|emphasised|acknowledged|admitted|answered|reported|remarked|joked|warned|urged|"
    r"promised|vowed|conceded|cautioned|boasted|complained|quipped|touted|texted|pleaded|praised|"
    r"(?:released|issued|put\s+out)\s+a\s+(?:written\s+)?statement(?:\s+saying)?)"
)
_ADVERB = r"(?:(?:\w+ly|later|also|then|first|once|again|previously|recently|has|had|have)\s+)"
_NAME_WORD = r"(?:(?:Mr|Ms|Mrs|Dr|Jr|Sr|St|Sen|Rep|Gov|Gen|Lt|Col|U\.S|[A-Z])\.|[A-Z][\w'\u2019&-]*)"
_NAME = rf"(?:(?:the\s+|The\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD})*)"
_PRONOUN = r"(?:she|he|She|He)"
_ROLE = (
    r"(?:(?:[Tt]he|[Aa]n?|[Oo]ne|[Aa]nother|[Hh]er|[Hh]is|[Tt]heir)\s+(?:[A-Z][\w.'\u2019-]*\s+){0,3}"
    r"[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?"
    r"(?:\s+who\s+[a-z]+(?:\s+[A-Z][\w'\u2019]*)*)?)"
)
_WHO = rf"(?:{_PRONOUN}|{_ROLE}|{_NAME})"

_QUOTED_AS = re.compile(rf"{_NAME}\s+quoted\s+(?P<who>{_NAME})\s+as\b")
_AFTER = re.compile(rf"^[\s,]*(?:(?P<who>{_WHO})\s+{_ADVERB}?{_SAY}\b|{_SAY}\s+(?P<who2>{_NAME})\b)")
_SAYER = re.compile(rf"(?P<who>{_WHO})(?:,[^,{_MASK}]{{1,60}},)?\s+{_ADVERB}?{_SAY}\b")
_ACCORDING = re.compile(rf"\b[Aa]ccording\s+to\s+(?:a\s+statement\s+from\s+)?(?P<who>{_NAME})")
_SUBJECT = re.compile(rf"^(?:[^,{_MASK}]*,\s*)?(?P<who>{_WHO})(?:,[^,{_MASK}]*,)?\s+{_ADVERB}?{_SAY}\b")
# what may open a clause before its subject: "Later she ...", "Asked whether ..., Sanders"
_LEADS = (re.compile(r"^[A-Z][a-z]+\s+"), re.compile(r"^[^,:]{1,100},\s*"))
_WHO_AT = re.compile(rf"(?P<who>{_WHO})\b")


@dataclass(frozen=True)
class _Mention:
    at: int  # offset in the body
    paragraph: int
    name: str  # the person's shown name, a role, or an institution
    gender: str | None
    person: bool  # someone who can be "she" or "he" (not an institution)
    subject: bool  # the first mention of its sentence


def extract_quotations(article: Article, people: People | None = None) -> list[Quotation]:
    """Every quotation of an article, in body order, with its speaker (None if unknown);
    ``people``: the corpus's people (default: the article's own)."""
    names = read_article_names(article.body)
    return _Attributor(article, names, people or build_people([names])).run()


def extract_corpus_quotations(
    articles: Sequence[Article], aliases: Aliases = NO_ALIASES
) -> tuple[list[Quotation], People]:
    """Every quotation of a corpus, speakers resolved to one name per person over all of it;
    and the corpus's people."""
    names = [read_article_names(a.body) for a in articles]
    people = build_people(names, same=aliases.same, apart=aliases.apart)
    quotations = [q for a, n in zip(articles, names, strict=True) for q in _Attributor(a, n, people).run()]
    return quotations, people


class _Attributor:
    def __init__(self, article: Article, names: ArticleNames, people: People) -> None:
        self.article = article
        self.body = article.body
        self.names = names
        self.people = people
        self.paras = paragraphs(self.body)
        self.sentences: dict[int, list[Span]] = {}  # each paragraph's, read when there are quotations
        self.mentions: list[_Mention] = []
        self.resolved: dict[int, str | None] = {}  # a pronoun's offset -> its person

    def run(self) -> list[Quotation]:
        body, paras = self.body, self.paras
        raw: list[tuple[int, Span]] = []
        for number, para in enumerate(paras, start=1):
            next_opens = number < len(paras) and body[paras[number].start] in OPEN_MARKS
            raw.extend((number, span) for span, _ in _marked_spans(body, para, continues=next_opens))
        if not raw:
            return []  # no quotation: no sentence or mention need be read
        self.sentences = {n: split_sentences(body, p.start, p.end) for n, p in enumerate(paras, 1)}
        self._read_mentions([s for _, s in raw])
        quotations: list[Quotation] = []
        last: tuple[int, str] | None = None  # (paragraph, speaker) a bare quotation continues
        colon_before = {n + 1: self._colon_subject(n) for n in range(1, len(paras))}
        for number, span in raw:
            context = _context(self.sentences[number], span)
            in_context = [s for _, s in raw if context.start <= s.start - 1 and s.end <= context.end]
            masked = _masked(body, context, in_context)
            found = _attribute(masked, span.start - 1 - context.start, span.end + 1 - context.start)
            speaker: str | None = None
            reported_by: str | None = None
            if isinstance(found, str):  # only quotations in this sentence: the speaker goes on
                if last and last[0] == number:
                    speaker = last[1]
                elif colon_before.get(number):
                    speaker = colon_before[number]
                elif last and number - last[0] <= 1:
                    speaker = last[1]
            elif found is not None:
                (who, at), reporter = found
                speaker = self._resolve(who, context.start + at)
                if reporter:
                    reported_by = self._resolve(reporter[0], context.start + reporter[1])
            if speaker:
                last = (number, speaker)
            quotations.append(
                Quotation(
                    doc_id=self.article.doc_id,
                    paragraph=number,
                    start=span.start,
                    end=span.end,
                    text=body[span.start : span.end],
                    speaker=speaker,
                    context=context,
                    reported_by=reported_by if reported_by != speaker else None,
                )
            )
        return quotations

    # ------------------------------------------------------------------ mentions in reading order

    def _read_mentions(self, quoted: list[Span]) -> None:
        """Names, roles of sayers and "she"/"he" outside the quotations, in body order;
        each pronoun resolved as it is read."""
        body = self.body
        for number, sentences in self.sentences.items():
            for sentence in sentences:
                inside = [s for s in quoted if sentence.start <= s.start - 1 and s.end <= sentence.end]
                masked = _masked(body, sentence, inside)
                first = True
                for match in _MENTION.finditer(masked):
                    at = sentence.start + match.start()
                    text = match.group()
                    if re.fullmatch(_PRONOUN, text):
                        gender = "f" if text.casefold() == "she" else "m"
                        person = self._antecedent(at, number, gender, skip_first=False)
                        self.resolved[at] = person
                        if person:
                            self.mentions.append(_Mention(at, number, person, gender, True, first))
                        first = False
                        continue
                    mention = self._name_mention(text, at, number, first)
                    if mention:
                        self.mentions.append(mention)
                        # the subject is the first person named, not an institution or a possessive
                        first = first and not (mention.subject and mention.person)

    def _name_mention(
        self, text: str, at: int, number: int, first: bool, *, sayer: bool = False
    ) -> _Mention | None:
        """A mention as a person, a role or an institution; a lone capitalised word that
        names nobody known ("Reporters", "Questions") is none, unless it says something."""
        subject = first and not _possessive(self.body, text, at)
        if re.match(_ROLE + "$", text):
            if fold(text.split()[-1]) in ORG_WORDS:  # "the group said": the institution named last
                named = [m for m in self.mentions if m.at < at and number - m.paragraph <= 1 and not m.person]
                if named and is_institution(named[-1].name):
                    return _Mention(at, number, named[-1].name, None, False, subject)
            person = self.names.titled(text.split()[1:])
            if person:
                shown = self.people.shown(self._full_name(person.split()))
                return _Mention(at, number, shown, self.people.gender(shown), True, subject)
            head = fold(text.split()[-1])
            gender = "f" if head in FEMALE_WORDS else "m" if head in MALE_WORDS else None
            return _Mention(at, number, _role(text), gender, gender is not None, subject)
        _, words = mention_words(text)
        if not words or words[0] in NOT_NAMES:
            return None
        if all(fold(w) in TITLE_WORDS for w in words):
            if len(words) < 2 and not sayer:
                return None
            return _Mention(at, number, " ".join(words), None, False, subject)
        name = self._full_name(words)
        if is_institution(name):
            return _Mention(at, number, name, None, False, subject)
        person = self.people.person(name)
        if person is None and len(words) == 1 and not sayer:
            return None
        gender = person.gender if person else None
        return _Mention(at, number, self.people.shown(name), gender, True, subject)

    def _full_name(self, words: list[str]) -> str:
        """The fullest known name of a mention: the article's, then the corpus's (when one
        person only holds its words), else the mention as written."""
        while len(words) > 2 and words[-1] in self.names.places:
            words = words[:-1]
        name = " ".join(words)
        if self.people.person(name):
            return name
        full = self.names.full_name(words)
        if full:
            return full
        meant = self.people.meant_by(words)
        if meant:
            return meant.name
        for cut in range(len(words) - 1, 1, -1):  # "Michael Upton Tuscaloosa": a known name runs on
            if self.people.person(" ".join(words[:cut])):
                return " ".join(words[:cut])
        return name

    def _antecedent(self, at: int, number: int, gender: str, *, skip_first: bool) -> str | None:
        """The person "she" or "he" at ``at`` means: the last person of that gender (or of
        none known) named in the last three paragraphs, a sentence subject first."""
        near = [
            m
            for m in self.mentions
            if m.at < at and number - m.paragraph <= 2 and m.person and m.gender in (None, gender)
        ]
        for m in reversed(near):
            if m.subject:
                return m.name
        return near[-1].name if near else None

    def _resolve(self, who: str, at: int) -> str | None:
        if re.fullmatch(_PRONOUN, who):
            return self.resolved.get(at)
        number = next(n for n, p in enumerate(self.paras, 1) if p.start <= at <= p.end)
        mention = self._name_mention(who, at, number, False, sayer=True)
        return mention.name if mention else None

    def _colon_subject(self, number: int) -> str | None:
        """The subject of a paragraph that ends in a colon (it introduces the next one)."""
        para = self.paras[number - 1]
        text = self.body[para.start : para.end].rstrip()
        if not text.endswith(":"):
            return None
        sentence = self.sentences[number][-1]
        found = _clause_subject(self.body[sentence.start : sentence.end])
        return self._resolve(found[0], sentence.start + found[1]) if found else None


def _possessive(body: str, text: str, at: int) -> bool:
    """The mention is a possessive ("Johnson's daughter ..."): never a sentence's subject."""
    return text.endswith(("'s", "\u2019s")) or body.startswith(("'s", "\u2019s"), at + len(text))


def _role(text: str) -> str:
    return text[0].lower() + text[1:]


_MENTION = re.compile(rf"\b(?:{_PRONOUN}\b|{_ROLE}(?=(?:,[^,]{{1,60}},)?\s+{_ADVERB}?{_SAY}\b)|{_NAME})")


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


_Found = tuple[tuple[str, int], tuple[str, int] | None]


def _attribute(masked: str, open_at: int, close_at: int) -> _Found | str | None:
    """The speaker mention (text, offset in ``masked``) for the quotation at
    masked[open_at:close_at] and who relayed it (or None); "" means the sentence holds
    nothing but quotations; None means no attribution was found."""
    after_text = masked[close_at:].split(_MASK, 1)[0]
    before_start = masked[:open_at].rfind(_MASK) + 1
    before = masked[before_start:open_at]
    match = _QUOTED_AS.search(masked)
    if match:
        return _at(match, 0), None
    after = _AFTER.search(after_text)
    after_who = _at(after, close_at) if after and _valid(after) else None
    sayers = [m for m in _SAYER.finditer(before) if _valid(m)]
    if sayers:
        inner = _at(sayers[-1], before_start)
        outer = after_who or (_at(sayers[0], before_start) if len(sayers) > 1 else None)
        return inner, outer
    if after_who:
        return after_who, None
    clause = before.rstrip()
    if clause.endswith(":"):
        found = _clause_subject(clause)
        if found:
            return (found[0], before_start + found[1]), None
    match = _ACCORDING.search(masked)
    if match and _valid(match):
        return _at(match, 0), None
    earlier = [m for m in _SAYER.finditer(masked[:open_at]) if _valid(m)]
    if earlier:  # "X said ... “a” and had been “b”": b is X's too
        return _at(earlier[-1], 0), None
    match = _SUBJECT.search(masked)
    if match and _MASK in masked[match.end() :] and _valid(match):
        return _at(match, 0), None
    if not any(ch.isalpha() for ch in masked.replace(_MASK, "")):
        return ""
    return None


def _clause_subject(clause: str) -> tuple[str, int] | None:
    """The subject that opens a clause: "Kushner ...", "Later she ...", "Asked ..., Sanders"."""
    leads = [0, *(m.end() for m in (lead.match(clause) for lead in _LEADS) if m)]
    for lead in leads:
        match = _WHO_AT.match(clause, lead)
        if match and _valid(match):
            return match.group("who"), match.start("who")
    return None


def _at(match: re.Match[str], offset: int) -> tuple[str, int]:
    group = "who" if match.groupdict().get("who") else "who2"
    return match.group(group), offset + match.start(group)


def _valid(match: re.Match[str]) -> bool:
    who = match.groupdict().get("who") or match.groupdict().get("who2")
    if not who:
        return False
    words = who.split()
    return not (words[0] in NOT_NAMES and words[0] not in ("The", "She", "He", "A", "An") and len(words) == 1)
