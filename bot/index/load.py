"""Reading the index: follow CURRENT to the live build, check it against its manifest, and
fall back to an older intact build when the live one is damaged."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.index.dense import DenseSearch, open_dense
from bot.index.errors import IndexCorrupt, IndexFormatOutdated, IndexMismatch, IndexMissing, IndexProblem
from bot.index.files import random_access, regular_file, safe_name
from bot.index.keyword import KeywordIndex
from bot.index.legacy import legacy_passage_arrays
from bot.index.manifest import FORMAT_VERSION, REUSABLE_FORMATS, analysis_current, check_files, read_manifest
from bot.index.tables import (
    ArticleStore,
    PassageTable,
    quotations_by_article,
    read_copies,
    read_people,
    read_quotations,
)
from bot.models import Article, Quotation
from bot.people import People

CURRENT_FILE = "CURRENT"
BUILDS_DIR = "builds"


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


@dataclass
class Index:
    """A loaded build: everything a Retriever needs, read-only."""

    path: Path
    manifest: dict[str, Any]
    articles: ArticleStore
    passages: PassageTable
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    keyword: KeywordIndex
    names: frozenset[str]  # keyword terms that are names (see analysis.name_terms)
    quotations: list[Quotation]
    quote_vectors: np.ndarray
    quote_context_vectors: np.ndarray
    dense: DenseSearch
    sentence_terms: np.ndarray | None = None  # keyword term ids of every sentence, concatenated
    sentence_term_rows: np.ndarray | None = None  # sentence i's ids: [rows[i], rows[i + 1])
    sentence_types: np.ndarray | None = None  # bits of answer_types.ANSWER_TYPES each sentence holds
    people: People = field(default_factory=lambda: People(()))  # the speakers (bot.people)
    # syndicated copies recognised at index time: a copy's id -> (the original's id, similarity)
    copies: dict[str, tuple[str, float]] = field(default_factory=dict)
    warning: str | None = None  # set when this is an older build served because the live one is damaged

    @property
    def model(self) -> str:
        return str(self.manifest["model"])

    @property
    def built_at(self) -> str:
        return str(self.manifest["built_at"])

    def nearest(self, query: np.ndarray, count: int) -> np.ndarray:
        """Rows of (up to) the ``count`` passages nearest to ``query``, in no order."""
        return self.dense.search(query, count)

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


def live_build(index_dir: Path) -> Path:
    """The directory of the live build. Raises IndexMissing when there is none.

    CURRENT, ``builds/`` and the build must be what they seem: a regular file and folders,
    not links (nothing outside the index directory is ever read through them).
    """
    pointer = index_dir / CURRENT_FILE
    try:
        regular_file(index_dir, CURRENT_FILE)
        if pointer.lstat().st_size > 4096:
            raise IndexCorrupt(f"{pointer} is too large to name a build")
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"no index in {index_dir}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"cannot read {pointer} ({exc})") from None
    if not name or "/" in name or "\\" in name or name.startswith(".") or not safe_name(name):
        raise IndexCorrupt(f"{pointer} does not name a build")
    build = index_dir / BUILDS_DIR / name
    if not (_real_dir(index_dir / BUILDS_DIR) and _real_dir(build)):
        raise IndexCorrupt(f"{pointer} names {name[:80]!r}, which is missing or not a folder of builds/")
    return build


def _real_dir(path: Path) -> bool:
    """A folder that is not a link (lstat: a link is never followed)."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return False
    return stat.S_ISDIR(mode) and not stat.S_ISLNK(mode)


def complete_builds(index_dir: Path) -> list[Path]:
    """Finished build directories, oldest first (names sort by time); links are not builds."""
    builds = index_dir / BUILDS_DIR
    if not _real_dir(builds):
        return []
    return sorted(e for e in builds.iterdir() if not e.name.startswith(".") and _real_dir(e))


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
    for older in complete_builds(index_dir)[::-1]:
        try:
            index = load_build(older, model=model)
        except IndexProblem:
            continue
        index.warning = (
            f"{damaged}. Until then the bot answers from the previous build {older.name} "
            f"(built {index.built_at})."
        )
        return index
    raise damaged


def load_build(path: Path, *, model: str | None = None, for_reuse: bool = False) -> Index:
    """Load one build directory, checking its manifest and files.

    ``for_reuse`` also accepts an older format whose vectors a new build can take over.
    """
    if not _real_dir(path):
        raise IndexCorrupt(f"index build {path.name} is missing or not a folder")
    manifest = read_manifest(path, formats=REUSABLE_FORMATS if for_reuse else (FORMAT_VERSION,))
    if not for_reuse and not analysis_current(manifest):
        raise IndexFormatOutdated("the index was built with another version's text analysis")
    if model is not None and manifest["model"] != model:
        raise IndexMismatch(
            f"the index was built with model {manifest['model']!r} but the setting asks for {model!r}"
        )
    check_files(path, manifest)
    try:
        index = _read_build(path, manifest)
    except IndexProblem:
        raise
    except Exception as exc:  # any parse error means the same thing to the user
        raise IndexCorrupt(f"index in {path} is damaged ({exc})") from None
    if not _matches(index, manifest):
        raise IndexCorrupt(f"index in {path} does not match its manifest")
    for array in (
        index.vectors,
        index.sentence_vectors,
        index.sentence_terms,
        index.quote_vectors,
        index.quote_context_vectors,
    ):
        random_access(getattr(array, "_mmap", None))
    return index


_NOT_IN_ARTICLE = "index in {path} has a quotation that is not in its article"


def _check_quotations(path: Path, article: Article, quoted: dict[str, list[Quotation]]) -> None:
    """Each quotation of the article is its body at its offsets, inside its context sentence."""
    body = article.body
    for q in quoted.get(article.doc_id, ()):
        if body[q.start : q.end] != q.text or not (
            q.context.start <= q.start < q.end <= q.context.end <= len(body)
        ):
            raise IndexCorrupt(_NOT_IN_ARTICLE.format(path=path))


def _read_build(path: Path, manifest: dict[str, Any]) -> Index:
    quotations = read_quotations(path / "quotations.jsonl")
    quoted = quotations_by_article(quotations)
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
    else:
        rows, spans = legacy_passage_arrays(path, articles)
    passages = PassageTable(articles, list(articles), rows, spans)
    vectors = np.load(path / "vectors.npy", mmap_mode="r", allow_pickle=False)
    sentence_terms = sentence_term_rows = sentence_types = None
    if manifest["format"] >= 3:
        sentence_terms = np.load(path / "sentence_terms.npy", mmap_mode="r", allow_pickle=False)
        sentence_term_rows = np.load(path / "sentence_term_rows.npy", allow_pickle=False)
    if manifest["format"] >= 5:
        sentence_types = np.load(path / "sentence_types.npy", allow_pickle=False)
    if vectors.ndim != 2 or vectors.dtype != np.float32 or len(vectors) != len(passages):
        raise IndexCorrupt(f"index in {path} does not match its manifest")
    try:
        # read now: a later rebuild may delete this build's files
        dense = open_dense(path, manifest["search"], vectors)
    except Exception as exc:
        raise IndexCorrupt(f"the vector index in {path} is damaged ({exc})") from None
    return Index(
        path=path,
        manifest=manifest,
        articles=articles,
        passages=passages,
        vectors=vectors,
        sentence_vectors=np.load(path / "sentences.npy", mmap_mode="r", allow_pickle=False),
        keyword=KeywordIndex.load(path, len(passages)),
        names=frozenset(str(t) for t in json.loads((path / "names.json").read_text(encoding="utf-8"))),
        quotations=quotations,
        quote_vectors=np.load(path / "quotes.npy", mmap_mode="r", allow_pickle=False),
        quote_context_vectors=np.load(path / "quote_contexts.npy", mmap_mode="r", allow_pickle=False),
        dense=dense,
        sentence_terms=sentence_terms,
        sentence_term_rows=sentence_term_rows,
        sentence_types=sentence_types,
        people=read_people(path / "people.json"),
        copies=read_copies(path / "copies.json"),
    )


def _matches(index: Index, manifest: dict[str, Any]) -> bool:
    """The arrays agree with each other and with the manifest's counts and width."""
    try:
        counts = manifest["counts"]
        dim = int(manifest["dimension"])
        sentences = int(counts["sentences"])
        quotations = len(index.quotations)
        passages = index.passages
        types, terms, term_rows = index.sentence_types, index.sentence_terms, index.sentence_term_rows
        return bool(
            passages.check()
            and len(passages.spans) == sentences
            and index.vectors.shape == (len(passages), dim)
            and index.sentence_vectors.shape == (sentences, dim)
            and len(passages) == int(counts["passages"])
            and len(index.articles) == int(counts["articles"])
            and index.vectors.dtype == np.float32
            and index.sentence_vectors.dtype in (np.float16, np.float32)
            and quotations == int(counts["quotations"])
            and index.quote_vectors.shape == (quotations, dim)
            and index.quote_context_vectors.shape == (quotations, dim)
            and (types is None or (types.dtype == np.uint8 and types.shape == (sentences,)))
            and (
                term_rows is None
                or (
                    terms is not None
                    and term_rows.shape == (sentences + 1,)
                    and int(term_rows[0]) == 0
                    and int(term_rows[-1]) == len(terms)
                    and bool(np.all(np.diff(term_rows) >= 0))
                    and (len(terms) == 0 or int(terms.max()) < len(index.keyword.vocab))
                )
            )
        )
    except (KeyError, TypeError, ValueError):
        return False
