"""The maintainers' file of people, ``people.aliases`` in the corpus directory.

Rules join and part names well, not perfectly; this file says what they cannot tell::

    # one person per line: the name to show, "=", then the other names they go by
    Kim Kardashian West = Kim Kardashian = Kim K
    # two names that are not the same person, whatever the rules say
    Donald Trump != Donald Trump Jr.

Blank lines and lines starting with "#" are skipped. A line that is neither form, a side
with no name, or a name given to two people is an error naming the file and line (read at
reindex with the corpus: refused like a broken article unless --skip-bad, which drops the
bad lines only).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

ALIASES_FILE = "people.aliases"


@dataclass(frozen=True)
class Aliases:
    same: tuple[tuple[str, ...], ...] = ()  # each: the name shown first, then its other names
    apart: tuple[tuple[str, str], ...] = ()
    content_hash: str = ""  # of the file's bytes; "" when there is no file


@dataclass(frozen=True)
class AliasError:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


NO_ALIASES = Aliases()


def read_aliases(corpus_dir: Path) -> tuple[Aliases, list[AliasError]]:
    path = corpus_dir / ALIASES_FILE
    if not path.is_file():
        return NO_ALIASES, []
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return NO_ALIASES, [AliasError(ALIASES_FILE, 1, "not UTF-8 text; save it as UTF-8")]
    aliases, errors = parse_aliases(text)
    return Aliases(aliases.same, aliases.apart, hashlib.sha256(data).hexdigest()), errors


def parse_aliases(text: str, file: str = ALIASES_FILE) -> tuple[Aliases, list[AliasError]]:
    same: list[tuple[str, ...]] = []
    apart: list[tuple[str, str]] = []
    errors: list[AliasError] = []
    owner: dict[str, tuple[str, int]] = {}  # a name (casefolded) -> (its person, line)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split())
        if not line or line.startswith("#"):
            continue
        if "!=" in line:
            sides = [s.strip() for s in line.split("!=")]
            if len(sides) != 2 or not all(sides):
                errors.append(AliasError(file, number, 'write two names around "!=": A != B'))
                continue
            apart.append((sides[0], sides[1]))
            continue
        sides = [s.strip() for s in line.split("=")]
        if len(sides) < 2 or not all(sides):
            errors.append(
                AliasError(file, number, 'write "Name shown = other name" or "A != B" (see bot/aliases.py)')
            )
            continue
        taken = [owner[s.casefold()] for s in sides if s.casefold() in owner]
        clash = next((t for t in taken if t[0] != sides[0]), None)
        if clash:
            errors.append(
                AliasError(
                    file,
                    number,
                    f"a name here is already given to {clash[0]!r} on line {clash[1]}; join the two lines",
                )
            )
            continue
        for s in sides:
            owner[s.casefold()] = (sides[0], number)
        same.append(tuple(sides))
    return Aliases(tuple(same), tuple(apart)), errors
