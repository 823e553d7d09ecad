"""The index on disk: build it atomically and incrementally, load it with checks.

Layout of ``index/``::

    CURRENT                 the name of the live build (replaced atomically with os.replace)
    builds/<name>/          one complete build:
        articles.jsonl      article metadata and body (what every offset points into)
        passages.npy        one row per passage: article number, paragraph, start, end,
                            first sentence row (int64; format 3 had passages.jsonl)
        sentence_spans.npy  each sentence's start and end offsets (int64)
        vectors.npy         passage vectors, float32, L2-normalised (row i = passage i)
        sentences.npy       sentence vectors, float16 (float32 before), rows listed per passage
        quotations.jsonl    quotations with speaker, offsets and context sentence offsets
        quotes.npy          vectors of the quotations' text (row i = quotation i)
        quote_contexts.npy  vectors of their context sentences
        names.json          keyword terms that are names (for the answer sentence)
        sentence_terms.npy  each sentence's keyword term ids (int32, sorted, concatenated)
        sentence_term_rows.npy  where each sentence's ids start (int64, one more than sentences)
        sentence_types.npy  the kinds of answer each sentence holds (uint8 bits, see answer_types)
        keyword/            BM25 index (bm25s: JSON and .npy files, no pickle)
        ann.faiss           approximate FAISS index, only for large corpora
        manifest.json       written last: format, model, counts, corpus hashes, file sizes
    .lock                   held while a build runs

A reader follows CURRENT, so a build killed at any moment leaves the previous build live.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import mmap
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot import answer_types
from bot.analysis import name_terms, terms
from bot.chunking import make_passages
from bot.models import Article, Passage, Quotation, Span
from bot.quotes import extract_quotations

if TYPE_CHECKING:
    from bot.embedding import Embedder

FORMAT_VERSION = 5
REUSABLE_FORMATS = (2, 3, 4, 5)  # builds whose vectors a new build may take over
CURRENT_FILE = "CURRENT"
BUILDS_DIR = "builds"
LOCK_FILE = ".lock"
HNSW_M = 32  # graph links per vector
# Effort by graph size, (efConstruction, efSearch): candidates weighed per link made, and per
# question (efSearch is set at load: changing it needs no rebuild). Measured on the bench's
# synthetic corpora, recall@10 against exact search: 100k with (80, 384) 0.96; 1M with (80, 384)
# 0.66 (real benchmark questions 0.90), with (200, 512) 0.89 (0.97) at 2.4 ms a question.
HNSW_EFFORT = (80, 384)
HNSW_LARGE = 200_000  # from this many passages on, the larger effort below
HNSW_LARGE_EFFORT = (200, 512)
ANN_REFINE = 2  # the graph returns this many times the passages asked for; float32 vectors pick
# vectors inside the graph as 8-bit codes: a quarter of float32's memory; the ranking rescores
# every candidate with its float32 vector (SciFact: recall@10 against exact 0.999 -> 0.995)
HNSW_STORAGE = "sq8"
EMBED_CHUNK = 32_768  # texts embedded at a time in a build
HASH_CHECK_BYTES = 64 << 20  # files up to this size are checksummed at every load
_BUILD_FILES = ("articles.jsonl", "vectors.npy", "sentences.npy")


class IndexError_(RuntimeError):
    """Base class: the index cannot be used as it is. The message says what to do."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class IndexMismatch(IndexError_):
    """Built with another model or format version."""


class IndexFormatOutdated(IndexMismatch):
    """Written by an older version of this program (same data, fewer files): a rebuild fixes it."""


class IndexBusy(IndexError_):
    pass


class IndexWriteError(IndexError_):
    """A build could not be written (full disk, read-only directory); the live build is unchanged."""


@dataclass(frozen=True)
class StaleReport:
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.changed or self.added or self.removed)

    def describe(self) -> str:
        parts = []
        for label, names in (("changed", self.changed), ("added", self.added), ("removed", self.removed)):
            if names:
                parts.append(f"{label}: {', '.join(names)}")
        return "; ".join(parts)


class ArticleStore(Mapping[str, Article]):
    """The articles of a build, each parsed from ``articles.jsonl`` when it is asked for.

    In memory stay only each article's place in the file, its title and its body's length;
    the file is memory-mapped (its pages shared between processes, and still readable after a
    rebuild deletes it), and the most recently used articles are kept parsed. ``each`` sees
    every article once while the store is made (the loader checks quotations with it).
    """

    KEEP = 1024  # parsed articles kept

    def __init__(self, path: Path, each: Callable[[Article], None] | None = None) -> None:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._map: mmap.mmap | bytes = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        self._places: dict[str, tuple[int, int]] = {}
        self.titles: list[str] = []
        lengths: list[int] = []
        pos = 0
        while pos < size:
            end = self._map.find(b"\n", pos)
            end = size if end < 0 else end
            line = self._map[pos:end]  # one copy of the line, parsed once
            if line.strip():
                article = _article_from_json(json.loads(line))
                if article.doc_id in self._places:
                    raise ValueError(f"article {article.doc_id!r} appears twice")
                self._places[article.doc_id] = (pos, end)
                self.titles.append(article.title)
                lengths.append(len(article.body))
                if each is not None:
                    each(article)
            pos = end + 1
        self.lengths = np.array(lengths, dtype=np.int64)
        self._kept: OrderedDict[str, Article] = OrderedDict()
        self._lock = threading.Lock()
        if isinstance(self._map, mmap.mmap):
            _random_access(self._map)  # the scan's pages leave this process (1M: 650 MB)

    def __getitem__(self, doc_id: str) -> Article:
        with self._lock:
            article = self._kept.get(doc_id)
            if article is not None:
                self._kept.move_to_end(doc_id)
                return article
        start, end = self._places[doc_id]  # KeyError for an unknown article, as a dict
        article = _article_from_json(json.loads(self._map[start:end]))
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
        if not isinstance(row, (int, np.integer)):
            raise TypeError("a passage is looked up by its row number")
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


def _passage_arrays(passages: Sequence[Passage], doc_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
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


@dataclass
class Index:
    """A loaded build: everything a Retriever needs, read-only."""

    path: Path
    manifest: dict[str, Any]
    articles: ArticleStore
    passages: PassageTable
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    keyword: Any  # bm25s.BM25
    names: frozenset[str]  # keyword terms that are names (see analysis.name_terms)
    quotations: list[Quotation]
    quote_vectors: np.ndarray
    quote_context_vectors: np.ndarray
    sentence_terms: np.ndarray | None = None  # keyword term ids of every sentence, concatenated
    sentence_term_rows: np.ndarray | None = None  # sentence i's ids: [rows[i], rows[i + 1])
    sentence_types: np.ndarray | None = None  # bits of answer_types.ANSWER_TYPES each sentence holds
    dense: Any = None  # the FAISS approximate index, read at load (None: exact search)
    warning: str | None = None  # set when this is an older build served because the live one is damaged
    _df: np.ndarray | None = field(default=None, repr=False)

    @property
    def model(self) -> str:
        return str(self.manifest["model"])

    @property
    def built_at(self) -> str:
        return str(self.manifest["built_at"])

    def nearest(self, query: np.ndarray, count: int) -> np.ndarray:
        """Rows of (up to) the ``count`` passages nearest to ``query``, in no order."""
        vectors = self.vectors.view(np.ndarray)  # a plain view: slicing a memmap costs more
        query = np.asarray(query, dtype=np.float32)
        dense = self.dense_index()
        if dense is None:  # exact: one product over the memory-mapped vectors (no FAISS needed)
            scores = vectors @ query
            if count >= len(scores):
                return np.arange(len(scores))
            return np.argpartition(-scores, count)[:count]
        # the graph's best (by 8-bit codes) rescored with the float32 vectors: on the 100k bench
        # corpus recall@10 against exact search 0.948 -> 0.961, no measurable time
        _, found = dense.search(query.reshape(1, -1), ANN_REFINE * count)
        ids = np.sort(found[0][found[0] >= 0])
        if len(ids) <= count:
            return ids
        return ids[np.argpartition(-(vectors[ids] @ query), count)[:count]]

    def dense_index(self) -> Any:
        """The FAISS approximate index over passage vectors, or None when search is exact.

        Exact search is a NumPy product over the memory-mapped vectors: at 10k passages about
        as fast as a FAISS flat index (1.9 against 1.6 ms, one thread each), without the flat
        index's copy of every vector.
        """
        if self.dense is None and self.manifest["search"]["kind"] != "exact":
            import faiss

            # one question at a time: OpenMP threads cost more than they save (3x here)
            faiss.omp_set_num_threads(1)
            index = _read_faiss(self.path / "ann.faiss")
            if index.ntotal != len(self.passages):
                raise ValueError(f"it holds {index.ntotal} vectors for {len(self.passages)} passages")
            search = self.manifest["search"]
            if isinstance(index, faiss.IndexHNSW):
                index.hnsw.efSearch = _hnsw_effort(index.ntotal)[1]
            elif isinstance(index, faiss.IndexIVF):  # written by format 2
                index.nprobe = int(search.get("nprobe", 16))
            self.dense = index
        return self.dense

    def stale_report(self, corpus_dir: Path) -> StaleReport:
        from bot.corpus import corpus_fingerprint

        built: dict[str, str] = dict(self.manifest.get("corpus", {}))
        skipped = set(self.manifest.get("skipped", []))
        now = corpus_fingerprint(corpus_dir)
        return StaleReport(
            changed=tuple(sorted(n for n in now if n in built and now[n] != built[n])),
            added=tuple(sorted(n for n in now if n not in built and n not in skipped)),
            removed=tuple(sorted(n for n in built if n not in now)),
        )


@dataclass(frozen=True)
class BuildReport:
    path: Path
    articles: int
    passages: int
    sentences: int
    quotations: int
    computed: int  # vectors embedded in this build
    reused: int  # vectors taken over from the previous build
    seconds: float
    search: str
    unchanged: bool = False  # the live build already matched the corpus: nothing was rebuilt


# ---------------------------------------------------------------- reading


def live_build(index_dir: Path) -> Path:
    """The directory of the live build. Raises IndexMissing when there is none."""
    pointer = index_dir / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"no index in {index_dir}: run python -m bot.reindex") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"cannot read {pointer}: {exc}; run python -m bot.reindex") from None
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise IndexCorrupt(f"{pointer} does not name a build; run python -m bot.reindex")
    return index_dir / BUILDS_DIR / name


def load_index(index_dir: Path, *, model: str | None = None, fallback: bool = False) -> Index:
    """Load the live build of ``index_dir``; with ``model``, insist it was built with it.

    With ``fallback``, a damaged live build gives way to the newest older build that loads
    (kept for this), with ``Index.warning`` saying so; the error is raised when none does.
    """
    try:
        return load_build(live_build(index_dir), model=model)
    except IndexCorrupt as exc:
        if not fallback:
            raise
        damaged = exc
    for older in _complete_builds(index_dir)[::-1]:
        try:
            index = load_build(older, model=model)
        except IndexError_:
            continue
        index.warning = (
            f"{damaged} Until then the bot answers from the previous build {older.name} "
            f"(built {index.built_at})."
        )
        return index
    raise damaged


_NOT_IN_ARTICLE = "index in {path} has a quotation that is not in its article: run python -m bot.reindex"


def _check_quotations(path: Path, article: Article, quoted: dict[str, list[Quotation]]) -> None:
    """Each quotation of the article is its body at its offsets, inside its context sentence."""
    body = article.body
    for q in quoted.get(article.doc_id, ()):
        if body[q.start : q.end] != q.text or not (
            q.context.start <= q.start < q.end <= q.context.end <= len(body)
        ):
            raise IndexCorrupt(_NOT_IN_ARTICLE.format(path=path))


def _complete_builds(index_dir: Path) -> list[Path]:
    """Finished build directories, oldest first (names sort by time)."""
    builds = index_dir / BUILDS_DIR
    if not builds.is_dir():
        return []
    return sorted(e for e in builds.iterdir() if e.is_dir() and not e.name.startswith("."))


def load_build(path: Path, *, model: str | None = None, for_reuse: bool = False) -> Index:
    """Load one build directory, checking its manifest and files.

    ``for_reuse`` also accepts an older format whose vectors a new build can take over.
    """
    manifest = _read_manifest(path, formats=REUSABLE_FORMATS if for_reuse else (FORMAT_VERSION,))
    if not for_reuse and manifest.get("answer_types") != answer_types.SIGNATURE:
        raise IndexFormatOutdated(
            "the index was built with other answer-kind patterns than this version's: "
            "run python -m bot.reindex"
        )
    if model is not None and manifest["model"] != model:
        raise IndexMismatch(
            f"the index was built with model {manifest['model']!r} but the setting asks for "
            f"{model!r}: run python -m bot.reindex"
        )
    _check_files(path, manifest)
    try:
        quotations = [
            Quotation(
                doc_id=r["doc_id"],
                paragraph=int(r["paragraph"]),
                start=int(r["start"]),
                end=int(r["end"]),
                text=r["text"],
                speaker=r["speaker"],
                context=Span(int(r["context"][0]), int(r["context"][1])),
            )
            for r in _read_jsonl(path / "quotations.jsonl")
        ]
        quoted: dict[str, list[Quotation]] = {}
        for q in quotations:
            quoted.setdefault(q.doc_id, []).append(q)
        articles = ArticleStore(path / "articles.jsonl", each=lambda a: _check_quotations(path, a, quoted))
        if any(doc_id not in articles for doc_id in quoted):
            raise IndexCorrupt(_NOT_IN_ARTICLE.format(path=path))
        if manifest["format"] >= 4:
            rows = np.load(path / "passages.npy", allow_pickle=False)
            spans = np.load(path / "sentence_spans.npy", allow_pickle=False)
            if rows.dtype != np.int64 or rows.ndim != 2 or rows.shape[1] != 5:
                raise ValueError("passages.npy has the wrong shape")
            if spans.dtype != np.int64 or spans.ndim != 2 or spans.shape[1] != 2:
                raise ValueError("sentence_spans.npy has the wrong shape")
        else:  # an older build, read for its vectors: its passages were JSON lines with their text
            legacy = [
                Passage(
                    doc_id=r["doc_id"],
                    paragraph=int(r["paragraph"]),
                    start=int(r["start"]),
                    end=int(r["end"]),
                    text=r["text"],
                    sentences=tuple(Span(int(a), int(b)) for a, b in r["sentences"]),
                )
                for r in _read_jsonl(path / "passages.jsonl")
            ]
            if any(articles[p.doc_id].body[p.start : p.end] != p.text for p in legacy):
                raise ValueError("a passage is not in its article")
            rows, spans = _passage_arrays(legacy, list(articles))
        passages = PassageTable(articles, list(articles), rows, spans)
        vectors = np.load(path / "vectors.npy", mmap_mode="r", allow_pickle=False)
        sentence_vectors = np.load(path / "sentences.npy", mmap_mode="r", allow_pickle=False)
        import bm25s

        keyword = bm25s.BM25.load(str(path / "keyword"), mmap=True, allow_pickle=False)
        names = frozenset(str(t) for t in json.loads((path / "names.json").read_text(encoding="utf-8")))
        quote_vectors = np.load(path / "quotes.npy", mmap_mode="r", allow_pickle=False)
        quote_context_vectors = np.load(path / "quote_contexts.npy", mmap_mode="r", allow_pickle=False)
        sentence_terms = sentence_term_rows = None
        if manifest["format"] >= 3:
            sentence_terms = np.load(path / "sentence_terms.npy", mmap_mode="r", allow_pickle=False)
            sentence_term_rows = np.load(path / "sentence_term_rows.npy", allow_pickle=False)
        sentence_types = None
        if manifest["format"] >= 5:
            sentence_types = np.load(path / "sentence_types.npy", allow_pickle=False)
    except IndexError_:
        raise
    except Exception as exc:  # any parse error means the same thing to the user
        raise IndexCorrupt(f"index in {path} is damaged ({exc}): run python -m bot.reindex") from None

    try:
        counts = manifest["counts"]
        dim = int(manifest["dimension"])
        matches = (
            passages.check()
            and len(passages.spans) == int(counts["sentences"])
            and vectors.shape == (len(passages), dim)
            and sentence_vectors.shape == (int(counts["sentences"]), dim)
            and len(passages) == int(counts["passages"])
            and len(articles) == int(counts["articles"])
            and vectors.dtype == np.float32
            and sentence_vectors.dtype in (np.float16, np.float32)
            and len(quotations) == int(counts["quotations"])
            and quote_vectors.shape == (len(quotations), dim)
            and quote_context_vectors.shape == (len(quotations), dim)
            and (
                sentence_types is None
                or (sentence_types.dtype == np.uint8 and sentence_types.shape == (int(counts["sentences"]),))
            )
            and (
                sentence_term_rows is None
                or (
                    sentence_terms is not None
                    and sentence_term_rows.shape == (int(counts["sentences"]) + 1,)
                    and int(sentence_term_rows[0]) == 0
                    and int(sentence_term_rows[-1]) == len(sentence_terms)
                    and bool(np.all(np.diff(sentence_term_rows) >= 0))
                    and (len(sentence_terms) == 0 or int(sentence_terms.max()) < len(keyword.vocab_dict))
                )
            )
        )
    except (KeyError, TypeError, ValueError):
        matches = False
    if not matches:
        raise IndexCorrupt(f"index in {path} does not match its manifest: run python -m bot.reindex")
    for array in (vectors, sentence_vectors, sentence_terms, quote_vectors, quote_context_vectors):
        _random_access(getattr(array, "_mmap", None))
    index = Index(
        path,
        manifest,
        articles,
        passages,
        vectors,
        sentence_vectors,
        keyword,
        names,
        quotations,
        quote_vectors,
        quote_context_vectors,
        sentence_terms,
        sentence_term_rows,
        sentence_types,
    )
    try:
        index.dense_index()  # read now: a later rebuild may delete this build's files
    except Exception as exc:
        raise IndexCorrupt(
            f"the vector index in {path} is damaged ({exc}): run python -m bot.reindex"
        ) from None
    return index


def _read_faiss(path: Path) -> Any:
    """A FAISS index memory-mapped where FAISS can (an HNSW graph and its codes: its pages are
    shared by every process that serves the build and loading takes no time), else read whole."""
    import faiss

    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None)
    if flag is not None:
        try:
            index = faiss.read_index(str(path), flag)
        except RuntimeError:  # a FAISS without mmap support here, or an older index type
            pass
        else:
            _read_ahead(path)
            return index
    return faiss.read_index(str(path))


def _read_ahead(path: Path) -> None:
    """Ask the kernel to read a whole file into the page cache in the background: every
    question walks the graph, and the first ones after a cold start would otherwise wait on the
    disk page by page (1M: p95 117 ms). The pages join the process only when a search touches
    them."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError), path.open("rb") as fh:
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_WILLNEED)


def _check_files(path: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its size and, up to a size, its checksum.

    Files larger than HASH_CHECK_BYTES are checked by size and shape only, so that loading a
    very large index does not read all of it (a damaged one still fails the shape checks).
    """
    try:
        files = manifest["files"].items()
        for name, meta in files:
            file = path / name
            if ".." in Path(name).parts or not file.is_file() or file.stat().st_size != int(meta["bytes"]):
                raise IndexCorrupt(f"index file {name} is missing or damaged: run python -m bot.reindex")
            if file.stat().st_size <= HASH_CHECK_BYTES and _file_hash(file) != meta["sha256"]:
                raise IndexCorrupt(
                    f"index file {name} does not match its checksum (damaged or edited): "
                    "run python -m bot.reindex"
                )
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(
            f"the manifest of {path.name} lists its files wrongly ({exc}): run python -m bot.reindex"
        ) from None


def _random_access(mapping: mmap.mmap | None) -> None:
    """Tell the kernel a memory map is read at random places, and drop the pages a load-time
    check read in order from this process's resident set (they stay in the page cache).

    A question reads a few hundred scattered rows; with the default read-ahead each pulls in
    its neighbours too, and the process's resident size grows by ~100 MB a question on a large
    index until the whole file is in memory. At 1M passages the checks at load (every article's
    quotations, the range of the keyword term ids) otherwise leave 880 MB resident.
    """
    if mapping is None or not hasattr(mapping, "madvise"):
        return
    for advice in ("MADV_DONTNEED", "MADV_RANDOM"):
        if hasattr(mmap, advice):
            with contextlib.suppress(OSError, ValueError):
                mapping.madvise(getattr(mmap, advice))


def _read_manifest(path: Path, formats: Sequence[int] = (FORMAT_VERSION,)) -> dict[str, Any]:
    file = path / "manifest.json"
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"index build {path.name} has no manifest: run python -m bot.reindex") from None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"cannot read {file} ({exc}): run python -m bot.reindex") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"{file} is not a manifest: run python -m bot.reindex")
    if manifest.get("format") not in formats:
        outdated = manifest.get("format") in REUSABLE_FORMATS
        raise (IndexFormatOutdated if outdated else IndexMismatch)(
            f"the index has format {manifest.get('format')!r}, this version reads {FORMAT_VERSION}: "
            "run python -m bot.reindex"
        )
    for key, kind in (
        ("model", str),
        ("dimension", int),
        ("counts", dict),
        ("files", dict),
        ("corpus", dict),
        ("built_at", str),
        ("search", dict),
    ):
        if not isinstance(manifest.get(key), kind):
            raise IndexCorrupt(f"{file} has no valid {key!r}: run python -m bot.reindex")
    search = manifest["search"]
    if search.get("kind") not in ("exact", "ivf", "hnsw") or (search["kind"] != "exact") != (
        "ann.faiss" in manifest["files"]
    ):
        raise IndexCorrupt(f"{file} describes its vector search wrongly: run python -m bot.reindex")
    return manifest


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _article_from_json(r: dict[str, Any]) -> Article:
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
    )


# ---------------------------------------------------------------- building


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index directory's build lock; IndexBusy if another build holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK_FILE).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexBusy(
                    f"another reindex is running on {index_dir}; try again when it ends"
                ) from None
            raise
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_index(
    articles: Sequence[Article],
    embedder: Embedder,
    index_dir: Path,
    *,
    ann_min_passages: int = 50_000,
    skipped: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    force: bool = False,
) -> BuildReport:
    """Build a new index from ``articles`` and make it live, atomically.

    When the live build (which loads and verifies) was made from exactly these corpus files
    with this model, nothing is rebuilt unless ``force``. Otherwise vectors of passages and
    sentences whose text is unchanged since the live build (same model) are reused. The live
    build is replaced only after the new one loads and verifies.
    """
    started = time.perf_counter()
    try:
        with build_lock(index_dir):
            live = _live_for_reuse(index_dir, embedder.name)
            current = live is not None and live.manifest["format"] == FORMAT_VERSION
            if current and not force and _up_to_date(live, articles, skipped, ann_min_passages):
                return _unchanged_report(live, started)
            previous = _known_vectors(live) if live is not None else {}
            del live
            return _build(
                articles, embedder, index_dir, ann_min_passages, skipped, progress, started, previous
            )
    except OSError as exc:
        raise IndexWriteError(_write_error_message(index_dir, exc)) from None


def _write_error_message(index_dir: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some disk space"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.EEXIST, errno.ENOTDIR):
        fix = "make it a writable directory (or point CASEBOT_INDEX_DIR at one)"
    else:
        fix = "fix the cause"
    return (
        f"cannot write the index in {index_dir} ({reason}); the index in use was not changed. "
        f"To update it, {fix} and run python -m bot.reindex again."
    )


def _build(
    articles: Sequence[Article],
    embedder: Embedder,
    index_dir: Path,
    ann_min_passages: int,
    skipped: Sequence[str],
    progress: Callable[[str], None] | None,
    started: float,
    previous: dict[str, np.ndarray],
) -> BuildReport:
    """Write a new build and make it live (the caller holds the build lock)."""
    builds = index_dir / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(index_dir)

    passages = [p for a in articles for p in make_passages(a)]
    bodies = {a.doc_id: a.body for a in articles}
    sentence_texts = [bodies[p.doc_id][s.start : s.end] for p in passages for s in p.sentences]
    quotations = [q for a in articles for q in extract_quotations(a)]
    groups = [
        [p.text for p in passages],
        sentence_texts,
        [q.text for q in quotations],
        [q.context_text(bodies[q.doc_id]) for q in quotations],
    ]
    texts = [t for group in groups for t in group]
    hashes = [_text_hash(t) for t in texts]
    all_vectors, computed = _vectors_for(texts, hashes, previous, embedder, progress)
    bounds = np.cumsum([len(g) for g in groups])[:-1]
    vectors, sentence_vectors, quote_vectors, context_vectors = np.split(all_vectors, bounds)
    total = len(texts)

    name = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"
    tmp = builds / f".tmp-{name}"
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "articles.jsonl", (_article_to_json(a) for a in articles))
        rows, spans = _passage_arrays(passages, [a.doc_id for a in articles])
        _save_npy(tmp / "passages.npy", rows, np.int64)
        _save_npy(tmp / "sentence_spans.npy", spans, np.int64)
        _save_npy(tmp / "vectors.npy", vectors)
        # float16: half the disk and page cache of the largest file; every eval figure unchanged
        _save_npy(tmp / "sentences.npy", sentence_vectors, np.float16)
        _write_jsonl(
            tmp / "quotations.jsonl",
            (
                {
                    "doc_id": q.doc_id,
                    "paragraph": q.paragraph,
                    "start": q.start,
                    "end": q.end,
                    "text": q.text,
                    "speaker": q.speaker,
                    "context": [q.context.start, q.context.end],
                }
                for q in quotations
            ),
        )
        _save_npy(tmp / "quotes.npy", quote_vectors)
        _save_npy(tmp / "quote_contexts.npy", context_vectors)
        sentence_terms = [terms(t) for t in sentence_texts]
        vocab = _save_keyword(tmp / "keyword", _passage_terms(passages, sentence_terms))
        _save_sentence_terms(tmp, sentence_terms, vocab)
        kinds = [
            answer_types.sentence_types(bodies[p.doc_id], s.start, s.end)
            for p in passages
            for s in p.sentences
        ]
        _save_npy(tmp / "sentence_types.npy", np.array(kinds, dtype=np.uint8), np.uint8)
        (tmp / "names.json").write_text(json.dumps(sorted(name_terms(sentence_texts))), encoding="utf-8")
        search = _save_dense(tmp, vectors, ann_min_passages)

        files = {}
        for file in sorted(tmp.rglob("*")):
            if file.is_file():
                files[str(file.relative_to(tmp))] = {
                    "bytes": file.stat().st_size,
                    "sha256": _file_hash(file),
                }
        manifest = {
            "format": FORMAT_VERSION,
            "model": embedder.name,
            "dimension": int(vectors.shape[1]),
            "normalized": True,
            "metric": "inner_product",
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "counts": {
                "articles": len(articles),
                "passages": len(passages),
                "sentences": len(sentence_texts),
                "quotations": len(quotations),
            },
            "corpus": {a.source_file: a.content_hash for a in articles},
            "skipped": sorted(skipped),
            "search": search,
            "answer_types": answer_types.SIGNATURE,
            "files": files,
        }
        _write_atomic(tmp / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _fsync_dir(tmp)
    except BaseException:  # a failed write (full disk, killed) leaves no half-written build
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    final = builds / name
    os.replace(tmp, final)
    _fsync_dir(builds)
    load_build(final, model=embedder.name)  # verify before going live
    _write_atomic(index_dir / CURRENT_FILE, name + "\n")
    _fsync_dir(index_dir)
    _remove_leftovers(index_dir)
    return BuildReport(
        path=final,
        articles=len(articles),
        passages=len(passages),
        sentences=len(sentence_texts),
        quotations=len(quotations),
        computed=computed,
        reused=total - computed,
        seconds=time.perf_counter() - started,
        search=search["kind"],
    )


def _live_for_reuse(index_dir: Path, model: str) -> Index | None:
    """The live build if it loads with this model (an older format too: its vectors serve)."""
    try:
        return load_build(live_build(index_dir), model=model, for_reuse=True)
    except IndexError_:
        return None


def _up_to_date(live: Index, articles: Sequence[Article], skipped: Sequence[str], ann_min: int) -> bool:
    """The live build was made from exactly these files, and would be searched the same way."""
    manifest = live.manifest
    return (
        manifest["corpus"] == {a.source_file: a.content_hash for a in articles}
        and manifest.get("skipped", []) == sorted(skipped)
        and _build_settings(manifest["search"])
        == _build_settings(_planned_search(int(manifest["counts"]["passages"]), ann_min))
        and manifest.get("answer_types") == answer_types.SIGNATURE
    )


def _build_settings(search: dict[str, Any]) -> dict[str, Any]:
    """What a build fixes about its search (efSearch is a setting of the reader)."""
    return {k: v for k, v in search.items() if k != "ef_search"}


def _unchanged_report(live: Index, started: float) -> BuildReport:
    counts = live.manifest["counts"]
    vectors = int(counts["passages"]) + int(counts["sentences"]) + 2 * int(counts["quotations"])
    return BuildReport(
        path=live.path,
        articles=int(counts["articles"]),
        passages=int(counts["passages"]),
        sentences=int(counts["sentences"]),
        quotations=int(counts["quotations"]),
        computed=0,
        reused=vectors,
        seconds=time.perf_counter() - started,
        search=str(live.manifest["search"]["kind"]),
        unchanged=True,
    )


def _known_vectors(old: Index) -> dict[str, np.ndarray]:
    """Text hash -> vector from the live build (loaded with the same model).

    Passage vectors (float32) come first: a text that was a passage keeps its full vector, and
    only a new passage whose text was a sentence before takes the float16 one (a difference in
    the fourth decimal of a cosine).
    """
    known: dict[str, np.ndarray] = {}
    table = old.passages
    bodies = [old.articles[d].body for d in table.doc_ids]
    for i, (a, start, end) in enumerate(
        zip(table.article_of.tolist(), table.starts.tolist(), table.ends.tolist(), strict=True)
    ):
        known.setdefault(_text_hash(bodies[a][start:end]), old.vectors[i])
    owners = np.repeat(table.article_of, table.sentence_counts).tolist()
    for k, (a, (start, end)) in enumerate(zip(owners, table.spans.tolist(), strict=True)):
        known.setdefault(_text_hash(bodies[a][start:end]), old.sentence_vectors[k])
    for i, q in enumerate(old.quotations):
        known.setdefault(_text_hash(q.text), old.quote_vectors[i])
        known.setdefault(
            _text_hash(q.context_text(old.articles[q.doc_id].body)), old.quote_context_vectors[i]
        )
    return known


def _vectors_for(
    texts: list[str],
    hashes: list[str],
    previous: dict[str, np.ndarray],
    embedder: Embedder,
    progress: Callable[[str], None] | None,
) -> tuple[np.ndarray, int]:
    """Every text's vector: the live build's where the text is unchanged, else embedded, a
    chunk at a time straight into the result (one copy of the vectors, not two: 8.7 GB less at
    the peak of a 1M-passage build)."""
    todo = [i for i, h in enumerate(hashes) if h not in previous]
    out: np.ndarray | None = None
    if previous:
        dim = len(next(iter(previous.values())))
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            if h in previous:
                out[i] = previous[h]
    if todo and progress:
        progress(f"embedding {len(todo)} texts")
    for first in range(0, len(todo), EMBED_CHUNK):
        rows = todo[first : first + EMBED_CHUNK]
        if progress and len(todo) > EMBED_CHUNK:
            progress(f"embedding texts {first + 1}-{first + len(rows)} of {len(todo)}")
        fresh = embedder.embed([texts[i] for i in rows])
        if out is None:  # the width from the vectors (asking the embedder could load a second runtime)
            out = np.zeros((len(texts), fresh.shape[1]), dtype=np.float32)
        out[rows] = fresh
    if out is None:  # nothing to embed and nothing known: an empty corpus
        out = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    return out, len(todo)


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _article_to_json(a: Article) -> dict[str, Any]:
    return {
        **a.citation_fields(),
        "credit": a.credit,
        "source_file": a.source_file,
        "content_hash": a.content_hash,
        "body": a.body,
    }


def _write_jsonl(path: Path, records: Any) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _save_npy(path: Path, array: np.ndarray, dtype: type = np.float32) -> None:
    with path.open("wb") as fh:
        np.save(fh, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


def _save_keyword(path: Path, tokenized: list[list[str]]) -> dict[str, int]:
    """The BM25 index of the passages' terms; returns its vocabulary (term -> id)."""
    import bm25s

    keyword = bm25s.BM25()
    keyword.index(tokenized, show_progress=False)
    keyword.save(str(path), allow_pickle=False)
    return dict(keyword.vocab_dict)


def _passage_terms(passages: Sequence[Passage], sentence_terms: list[list[str]]) -> list[list[str]]:
    """Each passage's terms: its sentences' terms when they tile it (only spaces between)."""
    out: list[list[str]] = []
    row = 0
    for p in passages:
        spans = p.sentences
        gaps = zip((p.start, *(s.end for s in spans)), (*(s.start for s in spans), p.end), strict=True)
        if spans and all(not p.text[a - p.start : b - p.start].strip() for a, b in gaps):
            # a term never spans white space, so this equals terms(p.text), without a second pass
            out.append([t for held in sentence_terms[row : row + len(spans)] for t in held])
        else:
            out.append(terms(p.text))
        row += len(spans)
    return out


def _save_sentence_terms(path: Path, sentence_terms: list[list[str]], vocab: dict[str, int]) -> None:
    """Each sentence's term ids, so that ranking never re-analyses text at question time."""
    ids = [sorted({vocab[t] for t in held if t in vocab}) for held in sentence_terms]
    rows = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in ids], out=rows[1:])
    flat = np.fromiter((i for x in ids for i in x), dtype=np.int32, count=int(rows[-1]))
    _save_npy(path / "sentence_terms.npy", flat, np.int32)
    _save_npy(path / "sentence_term_rows.npy", rows, np.int64)


def _save_dense(path: Path, vectors: np.ndarray, ann_min_passages: int) -> dict[str, Any]:
    """Exact search (nothing to write) for small corpora; an HNSW graph past ann_min_passages.

    HNSW, not IVF: on real MiniLM vectors (SciFact, 12k passages and 51k sentences) HNSW with
    efSearch 256 kept recall@100 against exact search at 0.99 in about 1 ms a question, where
    IVF needed a quarter of its lists probed for 0.98 and got slower than that.
    """
    search = _planned_search(len(vectors), ann_min_passages)
    if search["kind"] == "exact":
        return search
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building: every core (searching uses one)
    index = faiss.IndexHNSWSQ(
        vectors.shape[1], faiss.ScalarQuantizer.QT_8bit, HNSW_M, faiss.METRIC_INNER_PRODUCT
    )
    index.hnsw.efConstruction = search["ef_construction"]
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index.train(data)  # the per-dimension ranges of the 8-bit codes
    index.add(data)
    faiss.write_index(index, str(path / "ann.faiss"))
    return search


def _planned_search(passages: int, ann_min_passages: int) -> dict[str, Any]:
    """How a build of this many passages is searched (what its manifest says)."""
    if passages < max(ann_min_passages, 1):
        return {"kind": "exact"}
    construction, search = _hnsw_effort(passages)
    return {
        "kind": "hnsw",
        "m": HNSW_M,
        "ef_construction": construction,
        "ef_search": search,
        "storage": HNSW_STORAGE,
    }


def _hnsw_effort(passages: int) -> tuple[int, int]:
    """(efConstruction, efSearch) for a graph of this many passages."""
    return HNSW_LARGE_EFFORT if passages >= HNSW_LARGE else HNSW_EFFORT


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_leftovers(index_dir: Path) -> None:
    """Delete unfinished builds and all but the newest superseded one (under the build lock).

    The newest superseded build is kept so that a process still serving it keeps working.
    """
    builds = index_dir / BUILDS_DIR
    try:
        live = live_build(index_dir).name
    except IndexError_:
        live = None
    older = sorted(
        e.name
        for e in (builds.iterdir() if builds.is_dir() else ())
        if e.is_dir() and not e.name.startswith(".") and live is not None and e.name < live
    )
    keep = {live, *older[-1:]}
    for entry in builds.iterdir() if builds.is_dir() else ():
        if entry.is_dir() and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
    for entry in index_dir.glob(f".{CURRENT_FILE}.tmp-*"):
        entry.unlink(missing_ok=True)
