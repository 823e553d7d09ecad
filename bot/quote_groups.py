"""One quotation, many reporters: the same words in several articles are one entry.

Two quotations of different articles are the same when their words match after folding case,
quotation marks, apostrophes, white space and punctuation (so "!!!" and "!!!!" agree), or
when, with four words or more each, they differ by an elided or changed word or two: the
longer with up to two words left out is the shorter, or each with one word left out is the
other with one left out. Their speakers must agree (or one be unknown). The entry shows the
text of its earliest published report (then the longest text, then the first article id),
verbatim from that article; every other report is cited with its own offsets, and a report
whose wording differs is listed as a variant.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from itertools import combinations

from bot.models import Article, Quotation

MIN_FUZZY_WORDS = 4  # shorter quotations group only when their words are the same
MAX_PAIR_DELETIONS_WORDS = 16  # two words left out are tried for quotations up to this long
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def folded_words(text: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    return tuple(_WORD.findall(folded))


def _keys(words: tuple[str, ...]) -> list[tuple[tuple[str, ...], int]]:
    """(words with some left out, how many) for every way of leaving out up to two."""
    out = [(words, 0)]
    if len(words) < MIN_FUZZY_WORDS:
        return out
    n = len(words)
    out += [(words[:i] + words[i + 1 :], 1) for i in range(n)]
    if n <= MAX_PAIR_DELETIONS_WORDS:
        out += [(words[:i] + words[i + 1 : j] + words[j + 1 :], 2) for i, j in combinations(range(n), 2)]
    return out


def _close(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The two differ by at most two words left out or changed (one changed counts two)."""
    if a == b:
        return True
    if min(len(a), len(b)) < MIN_FUZZY_WORDS:
        return False
    common = sum(block.size for block in SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks())
    return (len(a) - common) + (len(b) - common) <= 2


def group_quotations(quotations: Sequence[Quotation]) -> list[list[int]]:
    """Rows of the same quotation reported by different articles, each group in row order;
    every row is in exactly one group (most alone)."""
    parent = list(range(len(quotations)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[int, list[tuple[int, int]]] = {}  # hash of the words kept -> (row, words left out)
    folded = [folded_words(q.text) for q in quotations]
    for row, q in enumerate(quotations):
        words = folded[row]
        if not words:
            continue
        for kept, dropped in _keys(words):
            key = hash(kept)
            for other, other_dropped in seen.get(key, ()):
                if dropped + other_dropped > 2:  # (0, 0), (0, 1), (0, 2), (1, 1) and the reverse
                    continue
                o = quotations[other]
                if not _close(words, folded[other]):  # the hashes agreed: check the words
                    continue
                if o.doc_id == q.doc_id or (o.speaker and q.speaker and o.speaker != q.speaker):
                    continue
                a, b = root(row), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            seen.setdefault(key, []).append((row, dropped))
    groups: dict[int, list[int]] = {}
    for row in range(len(quotations)):
        groups.setdefault(root(row), []).append(row)
    return list(groups.values())


def shown_first(
    article_of: Callable[[Quotation], Article],
) -> Callable[[Quotation], tuple[str, int, str, int]]:
    """The order of reports: earliest published (undated last), longest text, article id."""

    def key(q: Quotation) -> tuple[str, int, str, int]:
        return (article_of(q).published or "9999-99-99", -len(q.text), q.doc_id, q.start)

    return key
