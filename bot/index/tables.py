"""The tables of a build: articles (parsed on demand from ``articles.jsonl``), passages
(columnar arrays of offsets into the article bodies) and quotations (JSON lines)."""

from __future__ import annotations

import json
import mmap
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.index.files import random_access, read_jsonl
from bot.models import Article, Passage, Quotation, Span
from bot.people import People, Person


class ArticleStore(Mapping[str, Article]):
    """The articles of a build, each parsed from ``articles.jsonl`` when it is asked for.

    In memory stay only each article's place in the file, its title, outlet and author and its
    body's length; the file is memory-mapped (its pages shared between processes, and still
    readable after a rebuild deletes it), and the most recently used articles are kept parsed.
    ``each`` sees every article once while the store is made (the loader checks quotations with
    it).
    """

    KEEP = 1024  # parsed articles kept

    def __init__(self, path: Path, each: Callable[[Article], None] | None = None) -> None:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._map: mmap.mmap | bytes = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._places: dict[str, tuple[int, int]] = {}
        # each article's title, outlet and author: a passage's context when it is ranked
        self.contexts: list[str] = []
        self.outlets: list[str | None] = []  # each article's outlet (a question may name it)
        lengths: list[int] = []
        pos = 0
        while pos < size:
            end = self._map.find(b"\n", pos)
            end = size if end < 0 else end
            line = self._map[pos:end]  # one copy of the line, parsed once
            if line.strip():
                article = article_from_json(json.loads(line))
                if article.doc_id in self._places:
                    raise ValueError(f"article {article.doc_id!r} appears twice")
                self._places[article.doc_id] = (pos, end)
                self.contexts.append(" ".join(filter(None, (article.title, article.outlet, article.author))))
                self.outlets.append(article.outlet)
                lengths.append(len(article.body))
                if each is not None:
                    each(article)
            pos = end + 1
        self.lengths = np.array(lengths, dtype=np.int64)
        self._kept: OrderedDict[str, Article] = OrderedDict()
        self._lock = threading.Lock()
        if isinstance(self._map, mmap.mmap):
            random_access(self._map)  # the scan's pages leave this process (1M: 650 MB)

    def __getitem__(self, doc_id: str) -> Article:
        with self._lock:
            article = self._kept.get(doc_id)
            if article is not None:
                self._kept.move_to_end(doc_id)
                return article
        start, end = self._places[doc_id]  # KeyError for an unknown article, as a dict
        article = article_from_json(json.loads(self._map[start:end]))
        with self._lock:
            self._kept[doc_id] = article
            while len(self._kept) > self.KEEP:
                self._kept.popitem(last=False)
        return article

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._places  # without parsing the article

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


class PassageTable(Sequence[Passage]):
    """The passages of a build as arrays: a Passage object is made only when one is asked for.

    Row i of ``rows`` is passage i: its article's number (in ``doc_ids``), paragraph, start
    and end offsets in that article's body, and the row of its first sentence in ``spans``
    (each sentence's start and end). A passage's text is always its article's body at its
    offsets: there is no second copy of the text to disagree with the source.
    About 100 bytes a passage, where Passage objects took about 4 KB.
    """

    def __init__(
        self, articles: ArticleStore, doc_ids: list[str], rows: np.ndarray, spans: np.ndarray
    ) -> None:
        self.articles = articles
        self.doc_ids = doc_ids
        self.article_of, self.paragraphs, self.starts, self.ends, self.sentence_rows = (
            np.ascontiguousarray(rows[:, i]) for i in range(5)
        )
        self.spans = spans
        self.sentence_counts = np.diff(np.append(self.sentence_rows, len(spans)))

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, row: int) -> Passage:  # type: ignore[override]
        if not isinstance(row, int | np.integer):
            raise TypeError("a passage is looked up by its row number")
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        doc_id = self.doc_ids[int(self.article_of[row])]
        start, end = int(self.starts[row]), int(self.ends[row])
        first = int(self.sentence_rows[row])
        spans = self.spans[first : first + int(self.sentence_counts[row])].tolist()
        return Passage(
            doc_id=doc_id,
            paragraph=int(self.paragraphs[row]),
            start=start,
            end=end,
            text=self.articles[doc_id].body[start:end],
            sentences=tuple(Span(a, b) for a, b in spans),
        )

    def doc_id(self, row: int) -> str:
        return self.doc_ids[int(self.article_of[row])]

    def check(self) -> bool:
        """Every passage and sentence lies inside its article body, in order; no gaps in rows."""
        n = len(self)
        if n == 0:
            return len(self.spans) == 0
        lengths = self.articles.lengths
        if self.article_of.min() < 0 or self.article_of.max() >= len(self.doc_ids):
            return False
        owner = np.repeat(np.arange(n), self.sentence_counts) if self.sentence_counts.min() > 0 else None
        return bool(
            owner is not None
            and self.sentence_rows[0] == 0
            and np.all(self.starts >= 0)
            and np.all(self.starts < self.ends)
            and np.all(self.ends <= lengths[self.article_of])
            and np.all(self.paragraphs >= 1)
            and np.all(self.spans[:, 0] >= self.starts[owner])
            and np.all(self.spans[:, 0] < self.spans[:, 1])
            and np.all(self.spans[:, 1] <= self.ends[owner])
        )


def passage_arrays(passages: Sequence[Passage], doc_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The two arrays of a PassageTable (see there) for a list of passages."""
    number = {d: i for i, d in enumerate(doc_ids)}
    rows = np.zeros((len(passages), 5), dtype=np.int64)
    spans = np.zeros((sum(len(p.sentences) for p in passages), 2), dtype=np.int64)
    first = 0
    for i, p in enumerate(passages):
        rows[i] = (number[p.doc_id], p.paragraph, p.start, p.end, first)
        for s in p.sentences:
            spans[first] = (s.start, s.end)
            first += 1
    return rows, spans


def article_from_json(r: dict[str, Any]) -> Article:
    return Article(
        doc_id=r["doc_id"],
        title=r["title"],
        body=r["body"],
        author=r.get("author"),
        outlet=r.get("outlet"),
        published=r.get("published"),
        url=r.get("url"),
        credit=r.get("credit"),
        source_file=r.get("source_file", ""),
        content_hash=r.get("content_hash", ""),
        pages=tuple(int(p) for p in r.get("pages") or ()),
    )


def article_to_json(a: Article) -> dict[str, Any]:
    return {
        **a.citation_fields(),
        "credit": a.credit,
        "source_file": a.source_file,
        "content_hash": a.content_hash,
        **({"pages": list(a.pages)} if a.pages else {}),
        "body": a.body,
    }


def quotation_to_json(q: Quotation) -> dict[str, Any]:
    return {
        "doc_id": q.doc_id,
        "paragraph": q.paragraph,
        "start": q.start,
        "end": q.end,
        "text": q.text,
        "speaker": q.speaker,
        "context": [q.context.start, q.context.end],
        "reported_by": q.reported_by,
    }


def read_quotations(path: Path) -> list[Quotation]:
    return [
        Quotation(
            doc_id=r["doc_id"],
            paragraph=int(r["paragraph"]),
            start=int(r["start"]),
            end=int(r["end"]),
            text=r["text"],
            speaker=r["speaker"],
            context=Span(int(r["context"][0]), int(r["context"][1])),
            reported_by=r.get("reported_by"),
        )
        for r in read_jsonl(path)
    ]


def quotations_by_article(quotations: Iterable[Quotation]) -> dict[str, list[Quotation]]:
    out: dict[str, list[Quotation]] = {}
    for q in quotations:
        out.setdefault(q.doc_id, []).append(q)
    return out


def people_to_json(people: People) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "forms": sorted(p.forms), "gender": p.gender, "mentions": p.mentions}
        for p in people.persons
    ]


def read_people(path: Path) -> People:
    """The people of a build (an older build has none: every speaker is then their own name)."""
    if not path.is_file():
        return People(())
    rows = json.loads(path.read_text(encoding="utf-8"))
    return People(
        [
            Person(
                str(r["name"]),
                frozenset(str(f) for f in r["forms"]),
                r.get("gender"),
                int(r.get("mentions", 0)),
            )
            for r in rows
        ]
    )


def read_copies(path: Path) -> dict[str, tuple[str, float]]:
    """The copies a build recognised (an older build recorded none)."""
    if not path.is_file():
        return {}
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {str(copy): (str(r["of"]), float(r["similarity"])) for copy, r in rows.items()}
