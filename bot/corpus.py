"""Read corpus/ files into Articles, with errors that name the file and the line.

A corpus file is UTF-8 Markdown or text (``*.md``, ``*.txt``; ``README.md`` is ignored) that
opens with a front-matter block::

    ---
    title: ...            (required)
    author: ...           (optional)
    outlet: ...           (optional)
    published: YYYY-MM-DD (optional; "June 6, 2018" and ISO date-times are read too)
    url: https://...      (optional)
    credit: ...           (optional: a photo credit, kept out of the article text)
    ---
    First paragraph...

The article id is the file name without its extension when that is a plain name (letters,
digits, '.', '_', '-'), else its slug ("Kim K (Bustle).md" -> "kim-k-bustle"). Field names that
other tools use (``date``, ``byline``, ``source``, ...: ``corpus_fields.SYNONYMS``) are read as
ours; a ``.txt`` file whose body has no blank line takes each line as a paragraph. The body is
otherwise kept exactly as written: every quotation is verbatim to the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from bot.aliases import ALIASES_FILE, NO_ALIASES, Aliases, read_aliases
from bot.chunking import BLANK_LINE, paragraphs
from bot.corpus_fields import SYNONYMS, normalise_date, slug
from bot.models import Article

CORPUS_SUFFIXES = (".md", ".txt")
IGNORED_FILES = frozenset({"readme.md", "readme.txt"})
FIELDS = ("title", "author", "outlet", "published", "url", "credit", "pages")
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class CorpusError(ValueError):
    """A corpus file that cannot be read as an article."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class CorpusLoad:
    articles: tuple[Article, ...]
    errors: tuple[CorpusError, ...]
    aliases: Aliases = NO_ALIASES  # the maintainers' people.aliases (bot.aliases), its good lines


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The article files of a corpus directory, sorted by name."""
    if not corpus_dir.is_dir():
        return []
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES and p.name.lower() not in IGNORED_FILES
    )


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def corpus_fingerprint(corpus_dir: Path) -> dict[str, str]:
    """File name -> sha256 of its bytes, for every article file and the people.aliases file
    (used for stale detection)."""
    found = {p.name: file_hash(p.read_bytes()) for p in corpus_files(corpus_dir)}
    aliases = corpus_dir / ALIASES_FILE
    if aliases.is_file():
        found[ALIASES_FILE] = file_hash(aliases.read_bytes())
    return found


def load_corpus(corpus_dir: Path) -> CorpusLoad:
    """Parse every article file; bad files are collected as errors, never raised."""
    if not corpus_dir.is_dir():
        raise CorpusError(str(corpus_dir), None, "corpus directory does not exist")
    articles: list[Article] = []
    errors: list[CorpusError] = []
    seen: dict[str, str] = {}
    for path in corpus_files(corpus_dir):
        try:
            article = parse_article(path.name, path.read_bytes())
        except CorpusError as exc:
            errors.append(exc)
            continue
        except OSError as exc:
            errors.append(CorpusError(path.name, None, f"cannot read file: {exc.strerror}"))
            continue
        if article.doc_id in seen:
            errors.append(
                CorpusError(path.name, None, f"same article id as {seen[article.doc_id]}; rename one")
            )
            continue
        seen[article.doc_id] = path.name
        articles.append(article)
    try:
        aliases, alias_errors = read_aliases(corpus_dir)
    except OSError as exc:
        aliases, alias_errors = NO_ALIASES, []
        errors.append(CorpusError(ALIASES_FILE, None, f"cannot read file: {exc.strerror}"))
    errors.extend(CorpusError(e.file, e.line, e.message) for e in alias_errors)
    return CorpusLoad(tuple(articles), tuple(errors), aliases)


def parse_article(file_name: str, data: bytes) -> Article:
    """Parse one corpus file's bytes. Raises CorpusError naming the file and line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(file_name, line, "not valid UTF-8 text; save the file as UTF-8") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")

    doc_id = Path(file_name).stem
    if not _DOC_ID.match(doc_id):
        doc_id = slug(doc_id)
        if not doc_id:
            raise CorpusError(
                file_name, None, "the file name has no letter or digit to make an id from: rename it"
            )
    if not lines or lines[0].strip() != "---":
        raise CorpusError(file_name, 1, "missing front matter: the file must start with a '---' line")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise CorpusError(file_name, 1, "front matter is not closed by a '---' line") from None

    meta: dict[str, str | None] = {}
    given_as: dict[str, tuple[str, int]] = {}  # field -> (the name it was given as, its line)
    for i in range(1, close):
        line_no = i + 1
        raw = lines[i].strip()
        if not raw or raw.startswith("#"):
            continue
        key, sep, value = raw.partition(":")
        key = key.strip().lower()
        if not sep or not key:
            raise CorpusError(file_name, line_no, f"expected 'key: value', got {raw[:60]!r}")
        name = key
        key = SYNONYMS.get(key.replace("-", "_"), key)
        if key not in FIELDS:
            raise CorpusError(file_name, line_no, f"unknown field {name!r} (known: {', '.join(FIELDS)})")
        if key in meta:
            first, at = given_as[key]
            also = f" (line {at} as {first!r})" if first != name else ""
            raise CorpusError(file_name, line_no, f"field {key!r} is given twice{also}: keep one")
        given_as[key] = (name, line_no)
        meta[key] = _check_field(file_name, line_no, key, _unquote(value.strip()))

    if not meta.get("title"):
        raise CorpusError(file_name, 1, "front matter has no title")

    body_first = close + 1
    while body_first < len(lines) and not lines[body_first].strip():
        body_first += 1
    body = "\n".join(lines[body_first:]).rstrip()
    if Path(file_name).suffix.lower() == ".txt" and "\n" in body and not BLANK_LINE.search(body):
        # plain text with one paragraph a line (as copied from a web page): each line a paragraph
        body = "\n\n".join(line.strip() for line in body.split("\n") if line.strip())
    if not body:
        raise CorpusError(file_name, close + 2, "the article has no body text after the front matter")

    return Article(
        doc_id=doc_id,
        title=meta["title"] or "",
        body=body,
        author=meta.get("author"),
        outlet=meta.get("outlet"),
        published=meta.get("published"),
        url=meta.get("url"),
        credit=meta.get("credit"),
        pages=_pages(file_name, given_as, meta.get("pages"), body),
        source_file=file_name,
        content_hash=file_hash(data),
    )


def _pages(
    file_name: str, given_as: dict[str, tuple[str, int]], value: str | None, body: str
) -> tuple[int, ...]:
    """``pages: 1 4 9``: the paragraph each page of a paginated source starts with."""
    if not value:
        return ()
    line = given_as["pages"][1]
    try:
        starts = tuple(int(x) for x in value.replace(",", " ").split())
    except ValueError:
        starts = ()
    count = len(paragraphs(body))
    if not starts or starts[0] != 1 or any(b <= a for a, b in pairwise(starts)) or starts[-1] > count:
        fix = f"pages must list, from 1 up, the paragraph each page starts with (of {count})"
        raise CorpusError(file_name, line, f"{fix}, not {value!r}")
    return starts


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def _check_field(file_name: str, line_no: int, key: str, value: str) -> str | None:
    if not value:
        return None
    if any(ch in value for ch in "\x00\x1b"):
        raise CorpusError(file_name, line_no, f"field {key!r} contains control characters")
    if key == "published":
        try:
            return normalise_date(value)
        except ValueError as exc:
            raise CorpusError(file_name, line_no, str(exc)) from None
    if key == "url" and not re.match(r"^https?://\S+$", value):
        raise CorpusError(file_name, line_no, f"url must start with http:// or https://, not {value!r}")
    return value
