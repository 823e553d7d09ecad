"""Building the index: derive the corpus's text, reuse or embed vectors, write a new build
directory, verify it, and make it live by replacing CURRENT atomically.

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
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.aliases import NO_ALIASES, Aliases
from bot.checksums import text_hash
from bot.index.dense import build_settings, planned_search, write_dense
from bot.index.derive import Derived, derive
from bot.index.errors import IndexBusy, IndexProblem, IndexWriteError
from bot.index.files import fsync_dir, save_npy, write_atomic, write_jsonl
from bot.index.keyword import write_keyword
from bot.index.load import BUILDS_DIR, CURRENT_FILE, Index, live_build, load_build
from bot.index.manifest import (
    FORMAT_VERSION,
    MANIFEST_FILE,
    analysis_current,
    corpus_hashes,
    list_files,
    new_manifest,
)
from bot.index.tables import article_to_json, passage_arrays, people_to_json, quotation_to_json
from bot.index.vectors import reusable_vectors, vectors_for
from bot.models import Article

if TYPE_CHECKING:
    from bot.embedding.base import Embedder

LOCK_FILE = ".lock"


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
    # the syndicated copies recognised: a copy's id -> (the original's id, similarity)
    copies: dict[str, tuple[str, float]] = field(default_factory=dict)


@contextlib.contextmanager
def build_lock(
    index_dir: Path, *, wait: bool = False, progress: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the index directory's build lock. When another build holds it: IndexBusy, or with
    ``wait``, a message and a wait until that build ends."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK_FILE).open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if not wait:
                raise IndexBusy(f"another reindex is running on {index_dir}") from None
            if progress:
                progress(f"another process is building the index in {index_dir}: waiting for it to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
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
    wait: bool = False,
    aliases: Aliases = NO_ALIASES,
) -> BuildReport:
    """Build a new index from ``articles`` and make it live, atomically.

    When the live build (which loads and verifies) was made from exactly these corpus files
    with this model, nothing is rebuilt unless ``force``. Otherwise vectors of passages and
    sentences whose text is unchanged since the live build (same model) are reused. The live
    build is replaced only after the new one loads and verifies. With ``wait``, a build that
    another process is running is waited for (and then, usually, nothing is left to do).
    """
    started = time.perf_counter()
    try:
        with build_lock(index_dir, wait=wait, progress=progress):
            live = _live_for_reuse(index_dir, embedder.name)
            current = live is not None and live.manifest["format"] == FORMAT_VERSION
            if (
                live is not None
                and current
                and not force
                and _up_to_date(live, articles, skipped, ann_min_passages, aliases)
            ):
                return _unchanged_report(live, started)
            previous = reusable_vectors(index_dir, embedder.name, live)
            del live
            return _build(
                articles, embedder, index_dir, ann_min_passages, skipped, progress, started, previous, aliases
            )
    except OSError as exc:
        raise IndexWriteError(_write_error_message(index_dir, exc)) from None


def _write_error_message(index_dir: Path, exc: OSError) -> str:
    code = exc.errno
    if code is None and "requested and" in str(exc) and "written" in str(exc):
        code = errno.ENOSPC  # numpy's short write ("N requested and M written"): the disk is full
    reason = os.strerror(code) if code else exc.strerror or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some disk space"
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM, errno.EEXIST, errno.ENOTDIR):
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
    aliases: Aliases,
) -> BuildReport:
    """Write a new build and make it live (the caller holds the build lock)."""
    builds = index_dir / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(index_dir)

    derived = derive(articles, aliases)
    groups = derived.embedded_texts()
    texts = [t for group in groups for t in group]
    all_vectors, computed = vectors_for(
        texts, [text_hash(t) for t in texts], previous, embedder, progress, [len(g) for g in groups]
    )
    bounds = np.cumsum([len(g) for g in groups])[:-1]
    vectors, sentence_vectors, quote_vectors, context_vectors = np.split(all_vectors, bounds)
    # what answers questions for this model (an export made now, while the model is loaded)
    prepare = getattr(embedder, "prepare_question_encoder", None)
    encoder = prepare() if prepare is not None else None

    name = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"
    tmp = builds / f".tmp-{name}"
    tmp.mkdir()
    try:
        search = _write_files(
            tmp,
            articles,
            derived,
            vectors,
            sentence_vectors,
            quote_vectors,
            context_vectors,
            ann_min_passages,
        )
        manifest = new_manifest(
            model=embedder.name,
            dimension=int(vectors.shape[1]),
            counts={
                "articles": len(articles),
                "passages": len(derived.passages),
                "sentences": len(derived.sentence_texts),
                "quotations": len(derived.quotations),
            },
            articles=articles,
            aliases=aliases,
            skipped=skipped,
            search=search,
            files=list_files(tmp),
            extra={"question_encoder": encoder} if encoder else None,
        )
        write_atomic(tmp / MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        fsync_dir(tmp)
    except BaseException:  # a failed write (full disk, killed) leaves no half-written build
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    final = builds / name
    os.replace(tmp, final)
    fsync_dir(builds)
    load_build(final, model=embedder.name)  # verify before going live
    write_atomic(index_dir / CURRENT_FILE, name + "\n")
    fsync_dir(index_dir)
    _remove_leftovers(index_dir)
    return BuildReport(
        path=final,
        articles=len(articles),
        passages=len(derived.passages),
        sentences=len(derived.sentence_texts),
        quotations=len(derived.quotations),
        computed=computed,
        reused=len(texts) - computed,
        seconds=time.perf_counter() - started,
        search=search["kind"],
        copies=derived.copies,
    )


def _write_files(
    tmp: Path,
    articles: Sequence[Article],
    derived: Derived,
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    quote_vectors: np.ndarray,
    context_vectors: np.ndarray,
    ann_min_passages: int,
) -> dict[str, Any]:
    """Every file of a build but the manifest; returns the dense search's description."""
    write_jsonl(tmp / "articles.jsonl", (article_to_json(a) for a in articles))
    rows, spans = passage_arrays(derived.passages, [a.doc_id for a in articles])
    save_npy(tmp / "passages.npy", rows, np.int64)
    save_npy(tmp / "sentence_spans.npy", spans, np.int64)
    save_npy(tmp / "vectors.npy", vectors)
    # float16: half the disk and page cache of the largest file; every eval figure unchanged
    save_npy(tmp / "sentences.npy", sentence_vectors, np.float16)
    write_jsonl(tmp / "quotations.jsonl", (quotation_to_json(q) for q in derived.quotations))
    save_npy(tmp / "quotes.npy", quote_vectors)
    save_npy(tmp / "quote_contexts.npy", context_vectors)
    vocab = write_keyword(tmp, derived.passage_terms)
    _save_sentence_terms(tmp, derived.sentence_terms, vocab)
    save_npy(tmp / "sentence_types.npy", np.array(derived.sentence_kinds, dtype=np.uint8), np.uint8)
    (tmp / "names.json").write_text(json.dumps(derived.names), encoding="utf-8")
    copies = {copy: {"of": of, "similarity": score} for copy, (of, score) in derived.copies.items()}
    (tmp / "copies.json").write_text(json.dumps(copies, ensure_ascii=False), encoding="utf-8")
    (tmp / "people.json").write_text(
        json.dumps(people_to_json(derived.people), ensure_ascii=False), encoding="utf-8"
    )
    return write_dense(tmp, vectors, ann_min_passages)


def _save_sentence_terms(path: Path, sentence_terms: list[list[str]], vocab: dict[str, int]) -> None:
    """Each sentence's term ids, so that ranking never re-analyses text at question time."""
    ids = [sorted({vocab[t] for t in held if t in vocab}) for held in sentence_terms]
    rows = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum([len(x) for x in ids], out=rows[1:])
    flat = np.fromiter((i for x in ids for i in x), dtype=np.int32, count=int(rows[-1]))
    save_npy(path / "sentence_terms.npy", flat, np.int32)
    save_npy(path / "sentence_term_rows.npy", rows, np.int64)


def _live_for_reuse(index_dir: Path, model: str) -> Index | None:
    """The live build if it loads with this model (an older format too: its vectors serve)."""
    try:
        return load_build(live_build(index_dir), model=model, for_reuse=True)
    except IndexProblem:
        return None


def _up_to_date(
    live: Index, articles: Sequence[Article], skipped: Sequence[str], ann_min: int, aliases: Aliases
) -> bool:
    """The live build was made from exactly these files, and would be searched the same way."""
    manifest = live.manifest
    return (
        manifest["corpus"] == corpus_hashes(articles, aliases)
        and manifest.get("skipped", []) == sorted(skipped)
        and build_settings(manifest["search"])
        == build_settings(planned_search(int(manifest["counts"]["passages"]), ann_min))
        and analysis_current(manifest)
    )


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
        copies=dict(live.copies),
    )


def _remove_leftovers(index_dir: Path) -> None:
    """Delete unfinished builds and all but the newest superseded one (under the build lock).

    The newest superseded build is kept so that a process still serving it keeps working.
    """
    builds = index_dir / BUILDS_DIR
    try:
        live: str | None = live_build(index_dir).name
    except IndexProblem:
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
