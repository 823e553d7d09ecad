"""People: the names a corpus gives its speakers, resolved to one name per person.

A mention is a run of capitalised words ("White House press secretary Sarah Huckabee Sanders"
gives "Sarah Huckabee Sanders"; "Senate Minority Whip Dick Durbin" gives "Dick Durbin"): the
titles and roles in front of a name (``TITLE_WORDS``) are taken off and kept, so that "the
press secretary" can later be told to mean the person who carried that title. A run that is
nothing but such words ("White House", "Associated Press") is an institution and stays whole.

Across the corpus, full names (two words or more) join one person when they share first and
last word ("Alice Johnson", "Alice Marie Johnson", "Brittany K. Barnett"), or when one is the
other with words added at the end ("Kim Kardashian West" for "Kim Kardashian"), never across
a generational suffix ("Donald Trump Jr."). The name shown is the fullest form (most words),
then the most used. Different people with one surname (Alice, Tretessa and Jack Johnson) stay
apart. A person's gender, used only to resolve "she" and "he", is voted from titles ("Ms.",
"Mr."), family words before a name ("her son, Marcus Johnson") and the pronoun that follows a
name in its sentence. What rules cannot tell, a maintainer writes in ``people.aliases``
(``bot.aliases``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

NAME_WORD = (
    r"(?:(?:Mr|Ms|Mrs|Mx|Dr|Jr|Sr|St|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Rev|Prof|Atty|Hon|U\.S|[A-Z])\.|"
    r"[A-Z][\w'\u2019&-]*)"
)
NAME_RUN = re.compile(rf"{NAME_WORD}(?:\s+{NAME_WORD})*")

# Words that stand before a name as a title or a role, casefolded without a final period.
TITLE_WORDS = frozenset(
    """
    president vice press secretary senator sen senate rep representative congressman congresswoman
    gov governor judge justice chief district circuit federal attorney general minority majority whip
    leader speaker mayor pastor rev reverend bishop father sister brother dr mr ms mrs miss mx sir madam
    officer sgt sergeant deputy adviser advisor senior special white house u.s us former democratic
    republican democrat state magistrate prosecutor professor prof lt col gen capt det sheriff
    commissioner ambassador chairman chairwoman chair director founder lawyer atty hon first lady
    dame lord queen king prince princess assistant acting executive
    """.split()
)
FEMALE_TITLES = frozenset(
    "ms mrs miss madam congresswoman chairwoman lady dame queen princess sister".split()
)
MALE_TITLES = frozenset("mr sir congressman chairman lord king prince father brother".split())
SUFFIXES = frozenset("jr sr ii iii iv".split())
# the last word of an institution's name ("American Civil Liberties Union"), and the head of a
# role that means one ("the group said")
ORG_WORDS = frozenset(
    """
    group organization organisation agency department company campaign coalition network union office
    committee council association foundation institute center centre firm project alliance league
    society administration ministry court commission bureau party caucus
    """.split()
)
# family words that name a person's gender when they stand right before the name
FEMALE_WORDS = frozenset(
    "daughter mother sister wife grandmother granddaughter aunt niece woman girl".split()
)
MALE_WORDS = frozenset("son father brother husband grandfather grandson uncle nephew man boy".split())
# capitalised words that open a sentence or a clause, never a name on their own
NOT_NAMES = frozenset(
    """
    The A An In On At According She He They It This That These Those But And When After Before Then Her
    His Their I We You If So As For With From By Of To Asked Later Now Still Yet Also While During
    Afterward Afterwards Meanwhile Today Yesterday Monday Tuesday Wednesday Thursday Friday Saturday
    Sunday Instead Earlier Once Since Until Because Although Though However Why What Who How Where
    Our My Your Its Not No Yes Some Many Most Every Each Both Other Another Here There
    """.split()
)
_FAMILY_BEFORE = re.compile(r"\b(?P<word>[a-z]+),?\s+$")


def fold(word: str) -> str:
    return word.casefold().rstrip(".")


def strip_possessive(text: str) -> str:
    return re.sub(r"['\u2019]s\b", "", text)


def split_title(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """(title words, name words) of a run of capitalised words; the title is the leading
    words in ``TITLE_WORDS`` while at least one word that is no title follows."""
    words = list(words)
    i = 0
    while i < len(words) and fold(words[i]) in TITLE_WORDS:
        i += 1
    if i == len(words):  # all titles: an institution ("White House") or a bare title
        return [], words
    return words[:i], words[i:]


def mention_words(text: str) -> tuple[list[str], list[str]]:
    """(title words, name words) of a mention as written, "the" and possessive taken off."""
    words = strip_possessive(text.strip()).split()
    while words and words[0].casefold() in ("the", "a", "an"):
        words = words[1:]
    while words and words[0] in NOT_NAMES:
        words = words[1:]
    return split_title(words)


def gender_of_titles(titles: Iterable[str]) -> str | None:
    folded = {fold(t) for t in titles}
    if folded & FEMALE_TITLES:
        return "f"
    if folded & MALE_TITLES:
        return "m"
    return None


@dataclass
class ArticleNames:
    """What one article says about the people it names."""

    counts: Counter[str] = field(default_factory=Counter)  # full names as written, titles off
    first_at: dict[str, int] = field(default_factory=dict)
    titles: dict[str, set[str]] = field(default_factory=dict)  # name -> title words seen before it
    genders: dict[str, Counter[str]] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)  # capitalised words after "in", "from", "near"

    def add(self, name: str, at: int, titles: Sequence[str], gender: str | None) -> None:
        self.counts[name] += 1
        self.first_at.setdefault(name, at)
        self.titles.setdefault(name, set()).update(fold(t) for t in titles)
        if gender:
            self.genders.setdefault(name, Counter())[gender] += 1

    def full_name(self, words: Sequence[str]) -> str | None:
        """The article's fullest name holding every word of a shorter mention ("Johnson",
        "Kim"): a surname means the person named that way most, then first."""
        wanted = set(words)
        found = [n for n in self.counts if wanted <= set(n.split()) and len(n.split()) > len(words)]
        if not found:
            return None

        def rank(n: str) -> tuple[bool, int, int]:
            return (n.split()[-1] in wanted or n.split()[0] in wanted, self.counts[n], -self.first_at[n])

        return max(found, key=rank)

    def titled(self, role_words: Sequence[str]) -> str | None:
        """The one person of the article who carried every word of a role as a title
        ("the press secretary" -> "Sarah Huckabee Sanders"), else None."""
        wanted = {fold(w) for w in role_words}
        if not wanted:
            return None
        found = {self.full_name(n.split()) or n for n, t in self.titles.items() if wanted <= t}
        return next(iter(found)) if len(found) == 1 else None


def read_article_names(body: str) -> ArticleNames:
    """Every name of an article, with the titles, places and gender clues around it."""
    names = ArticleNames()
    for match in re.finditer(r"\b(?:in|from|near|outside)\s+(?P<place>[A-Z][a-z]+)\b", body):
        names.places.add(match.group("place"))
    single: list[tuple[str, list[str], str | None]] = []
    for match in NAME_RUN.finditer(body):
        titles, words = split_title(strip_possessive(match.group()).split())
        titles = _titles_before(body, match.start()) + titles
        words = [w for w in words if not (w.isupper() and len(w) > 1 and "." not in w)]
        while words and words[0] in NOT_NAMES:
            words = words[1:]
        if not words or all(fold(w) in TITLE_WORDS for w in words):
            continue
        gender = gender_of_titles(titles) or _gender_nearby(body, match.start(), match.end())
        if len(words) == 1:
            single.append((words[0], titles, gender))
            continue
        while len(words) > 2 and words[-1] in names.places:
            words = words[:-1]
        names.add(" ".join(words), match.start(), titles, gender)
    for word, titles, gender in single:  # "President Trump", "Ms. Johnson": titles of a full name
        full = names.full_name([word])
        if full is None:
            if titles:
                names.titles.setdefault(word, set()).update(fold(t) for t in titles)
            continue
        names.titles[full].update(fold(t) for t in titles)
        if gender:
            names.genders.setdefault(full, Counter())[gender] += 1
    return names


def _titles_before(body: str, start: int) -> list[str]:
    """Lower-case title words right before a name ("press secretary Sarah ...")."""
    out: list[str] = []
    for word in reversed(body[max(0, start - 60) : start].split()):
        if fold(word) not in TITLE_WORDS:
            break
        out.insert(0, word)
    return out


_SAID_PRONOUN = re.compile(
    r"^(?:,[^,.]{1,40},)?\s+(?:\w+ly\s+)?(?:said|says|told\s+\w+|added|wrote|thinks|believes|felt|feels)"
    r"\s+(?:that\s+)?(?P<pronoun>she|he)\b"
)


def _gender_nearby(body: str, start: int, end: int) -> str | None:
    """A family word right before the name ("her son, Marcus ..."), or the pronoun that
    reports the name's own words ("Johnson said she ...")."""
    before = _FAMILY_BEFORE.search(body[max(0, start - 30) : start])
    if before:
        word = before.group("word")
        if word in FEMALE_WORDS:
            return "f"
        if word in MALE_WORDS:
            return "m"
    said = _SAID_PRONOUN.match(body[end : end + 80])
    if said:
        return "f" if said.group("pronoun") == "she" else "m"
    return None


@dataclass(frozen=True)
class Person:
    name: str  # the name shown
    forms: frozenset[str]  # every full name it goes by
    gender: str | None
    mentions: int = 0  # how often the corpus names them in full


def is_institution(name: str) -> bool:
    """A name that ends as an institution's does ("... Union", "... Network")."""
    words = name.split()
    return bool(words) and fold(words[-1]) in ORG_WORDS


class People:
    """The people of a corpus: full names joined, each with the name shown."""

    def __init__(self, persons: Sequence[Person]) -> None:
        self.persons = tuple(persons)
        self._by_form = {form.casefold(): p for p in self.persons for form in p.forms}
        self._by_word: dict[str, list[Person]] = {}
        for p in self.persons:
            for word in {w.casefold() for f in p.forms for w in f.split()}:
                self._by_word.setdefault(word, []).append(p)

    def person(self, name: str) -> Person | None:
        return self._by_form.get(name.casefold())

    def shown(self, name: str) -> str:
        found = self.person(name)
        return found.name if found else name

    def gender(self, name: str) -> str | None:
        found = self.person(name)
        return found.gender if found else None

    def by_word(self, words: Sequence[str]) -> list[Person]:
        """People one of whose names holds every word (whole words, any case)."""
        wanted = {w.casefold() for w in words}
        if not wanted:
            return []
        fewest = min((self._by_word.get(w, []) for w in wanted), key=len)
        return [p for p in fewest if any(wanted <= set(f.casefold().split()) for f in p.forms)]

    def meant_by(self, words: Sequence[str]) -> Person | None:
        """The person a short mention means over the corpus: the only one whose names hold
        its words, or the one the corpus names at least twice as often as any other."""
        found = sorted(
            (p for p in self.by_word(words) if not is_institution(p.name)), key=lambda p: -p.mentions
        )
        if len(found) == 1 or (len(found) > 1 and found[0].mentions >= 2 * found[1].mentions):
            return found[0]
        return None


def build_people(
    articles: Iterable[ArticleNames],
    *,
    same: Iterable[Sequence[str]] = (),
    apart: Iterable[tuple[str, str]] = (),
) -> People:
    """Join the full names of all articles into people. ``same``: groups of names a
    maintainer says are one person (the first is the name shown); ``apart``: pairs that
    are not the same person, whatever the rules say."""
    counts: Counter[str] = Counter()
    genders: dict[str, Counter[str]] = {}
    for names in articles:
        counts.update(names.counts)
        for name, votes in names.genders.items():
            genders.setdefault(name, Counter()).update(votes)
    chosen: dict[str, str] = {}  # a form -> the name shown, set by a maintainer
    for group in same:
        for form in group:
            counts.setdefault(form, 0)
            chosen[form] = group[0]
    forms = sorted(counts, key=lambda f: (-len(f.split()), f))
    parent = {f: f for f in forms}

    def root(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    blocked = {frozenset(pair) for pair in apart}
    members = {f: {f} for f in forms}

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra == rb or any(frozenset((x, y)) in blocked for x in members[ra] for y in members[rb]):
            return
        parent[rb] = ra
        members[ra] |= members.pop(rb)

    for group in same:
        for form in group[1:]:
            join(group[0], form)
    # names the rules join share their first or their last word: compare within those only
    buckets: dict[tuple[int, str], list[str]] = {}
    for form in forms:
        words = form.split()
        buckets.setdefault((0, words[0]), []).append(form)
        buckets.setdefault((1, words[-1]), []).append(form)
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if same_person(a, b):
                    join(a, b)
    persons = []
    for top, group in members.items():
        if root(top) != top:
            continue
        shown = next((chosen[f] for f in group if f in chosen), None)
        if shown is None:
            shown = max(group, key=lambda f: (len(f.split()), counts[f], f))
        votes: Counter[str] = Counter()
        for f in group:
            votes.update(genders.get(f, Counter()))
        gender = None
        if votes and (votes["f"] == 0 or votes["m"] == 0):
            gender = votes.most_common(1)[0][0]
        persons.append(Person(shown, frozenset(group), gender, sum(counts[f] for f in group)))
    persons.sort(key=lambda p: p.name)
    return People(persons)


def same_person(a: str, b: str) -> bool:
    """Two full names of one person by rule: same first and last word, the rest initials or
    middle names of the longer; or the longer is the shorter with words added at the end
    ("Kim Kardashian West") or before it (a surname of two words: "Kardashian West")."""
    wa, wb = a.split(), b.split()
    if len(wa) > len(wb):
        wa, wb = wb, wa
    if len(wa) < 2 or {fold(w) for w in wa + wb} & SUFFIXES:
        return False
    if wa == wb[: len(wa)] or wa == wb[-len(wa) :]:  # words added at the end, or a first name before
        return True
    return wa[0] == wb[0] and wa[-1] == wb[-1]
