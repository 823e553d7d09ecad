"""Keyword analysis: text -> index terms for BM25 and for query-term coverage.

Unicode NFKC and case folding, curly quotes folded, possessives dropped ("Johnson's" ->
"johnson"), numbers kept whole ("2,000" -> "2000", "1996"), British spellings folded into
American ones ("offence" -> "offense", "programme" -> "program": breame's table), a prefix's
hyphen dropped ("non-violent" -> "nonviolent"), English stop words removed and Snowball
(Porter2) stemming. TERM_RULES numbers these rules: an index built with others is rebuilt
(bot.index.manifest.analysis_current).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from functools import lru_cache

from bm25s.stopwords import STOPWORDS_EN_PLUS
from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

# 2: British spellings folded into American ones; 3: a prefix's hyphen dropped
TERM_RULES = 3

STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | {"would", "could", "should", "might", "must", "shall"}
# numbers with separators ("2,000", "3.5"), then runs of letters and digits ("1996", "item7")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*")
_WORD = re.compile(r"[^\W\d_]+")
_CLITICS = frozenset({"s", "d", "ll", "ve", "re", "m"})
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# a question in British English finds an article in American English and the other way round
# (the case's coverage is both: "offence" and "offense", "sentencing programme" and "program");
# both sides of every match pass through here, so only the British side needs the table
_AMERICAN: dict[str, str] = BRITISH_ENGLISH_SPELLINGS
# ... and a word written with or without a prefix's hyphen is one word: "non-violent" and
# "nonviolent" (both in the bundled article), "co-founded", "post-conviction", "re-elected"
_PREFIX_HYPHEN = re.compile(r"\b(anti|co|multi|non|post|pre|re|semi)[-\u2010\u2011](?=[^\W\d_])")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Folded words and numbers of a text, before stop words and stemming."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    folded = _PREFIX_HYPHEN.sub(r"\1", folded)
    out: list[str] = []
    for token in _TOKEN.findall(folded):
        if token[0].isdigit():
            out.append(token.replace(",", ""))
            continue
        base, _, suffix = token.partition("'")
        word = base if suffix in _CLITICS else token.replace("'", "")
        out.append(_AMERICAN.get(word) or word)
    return out


def name_terms(sentences: Iterable[str]) -> set[str]:
    """Terms that are always capitalised inside a sentence: names ("Johnson", "Mic", "White").

    The retriever leaves them out when it picks the answer sentence, so that a sentence is not
    chosen merely for repeating the names in the question.
    """
    capitalised: set[str] = set()
    lower: set[str] = set()
    word_terms: dict[str, list[str]] = {}  # the same words come back in every article
    for sentence in sentences:
        for word in _WORD.findall(sentence)[1:]:
            found = word_terms.get(word)
            if found is None:
                found = word_terms[word] = terms(word)
            (capitalised if word[0].isupper() else lower).update(found)
    return capitalised - lower


def terms(text: str) -> list[str]:
    """Index terms: words without stop words, stemmed (numbers are kept as they are)."""
    kept = [w for w in words(text) if w not in STOPWORDS]
    stems = _stemmer().stemWords([w for w in kept if not w[0].isdigit()])
    it = iter(stems)
    return [w if w[0].isdigit() else next(it) for w in kept]


def recased(question: str, names: Collection[str]) -> str:
    """A question typed all in lower case or all in capitals ("who is jared kushner"), with
    the words the corpus always capitalises capitalised ("Who is Jared Kushner"), and its first
    letter; any other question as it is (its capitals are the asker's own and say more).

    Keyword matching and the model's vectors ignore case; the rules that read names from a
    question's capitals (who is described, whose words are asked for, a name the corpus does
    not know) would otherwise see none in a question typed on a phone.
    """
    letters = [c for c in question if c.isalpha()]
    if not letters:
        return question
    all_capitals = not any(c.islower() for c in letters)
    if not all_capitals and any(c.isupper() for c in letters[1:]):
        return question
    base = question.lower() if all_capitals else question

    def as_written(match: re.Match[str]) -> str:
        word = match.group()
        found = terms(word)
        return word[:1].upper() + word[1:] if found and all(t in names for t in found) else word

    out = _WORD.sub(as_written, base)
    first = next((i for i, c in enumerate(out) if c.isalpha()), None)
    return out if first is None else out[:first] + out[first].upper() + out[first + 1 :]


def question_names(question: str) -> set[str]:
    """Terms of the words a question capitalises after its first word ("How old is Jon
    Ponder?" -> {"jon", "ponder"}): names, whether or not the corpus knows them."""
    return {t for word in _WORD.findall(question)[1:] if word[0].isupper() for t in terms(word)}


# the words of a question that name the kind of answer it wants, not what it is about: "how
# many", "how old", "in what year", "the name of" (the answered decision reads the kind from
# the answer sentence instead: bot.answer_types)
_FORM = re.compile(
    r"\bhow (?:many|much|old|long|tall|far|often|big|large)\b"
    r"|\b(?:what|which) (?:year|day|date|month|time|kind|type|sort)\b"
    r"|\bname of\b|\bnamed?\b(?=\W*$)",
    re.IGNORECASE,
)


def form_terms(question: str) -> set[str]:
    """The terms of a question's words that ask for a kind of answer ("How many years ..." ->
    {"mani"}): left out of its focus, kept for BM25 and coverage."""
    return {t for match in _FORM.finditer(question) for t in terms(match.group())}


REFERENCE_TOP = 8.0  # wordfreq's Zipf scale: about 8 for "the", 0 for a word it never saw


@lru_cache(maxsize=1)
def _zipf():
    from wordfreq import zipf_frequency  # loads its English table once (about half a second)

    return zipf_frequency


def reference_weights(text: str) -> dict[str, float]:
    """Each term of the text weighted by how rare its word is in English at large (8 minus the
    word's Zipf frequency, from wordfreq), not in the corpus: a weight that stays where it is
    as the corpus grows ("Johnson" weighs the same beside one article or ten thousand). A term
    that several words stem to takes the rarest word's weight."""
    out: dict[str, float] = {}
    for word in words(text):
        if word in STOPWORDS:
            continue
        found, weight = _word_weight(word)
        for term in found:
            out[term] = max(out.get(term, 0.0), weight)
    return out


@lru_cache(maxsize=65536)
def _word_weight(word: str) -> tuple[tuple[str, ...], float]:
    """A folded word's terms and its reference weight (questions repeat their words)."""
    return tuple(terms(word)), REFERENCE_TOP - _zipf()(word, "en")


def load_reference() -> None:
    """Load the English word frequencies now rather than at the first question."""
    _zipf()("the", "en")
