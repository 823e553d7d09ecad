"""The manifest: what a build holds, written last, checked first.

It names the format, the model and its vector width, the counts, the corpus files' hashes,
how the vectors are searched, and every file of the build with its size and checksum.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import answer_types
from bot.aliases import ALIASES_FILE, NO_ALIASES, Aliases
from bot.analysis import TERM_RULES
from bot.checksums import file_hash
from bot.chunking import SENTENCE_RULES
from bot.index.dense import ANN_FILE, SEARCH_KINDS
from bot.index.errors import IndexCorrupt, IndexFormatOutdated, IndexMismatch
from bot.index.files import regular_file, safe_name
from bot.models import Article
from bot.quotes import QUOTATION_RULES

FORMAT_VERSION = 6
REUSABLE_FORMATS = (2, 3, 4, 5, 6)  # builds whose vectors a new build may take over
MANIFEST_FILE = "manifest.json"
HASH_CHECK_BYTES = 64 << 20  # files up to this size are checksummed at every load
_FIELDS = (
    ("model", str),
    ("dimension", int),
    ("counts", dict),
    ("files", dict),
    ("corpus", dict),
    ("built_at", str),
    ("search", dict),
)


MAX_MANIFEST_BYTES = 256 << 20  # a million articles' hashes fit many times over
KNOWN_KEYS = frozenset(
    {
        "format",
        "model",
        "dimension",
        "normalized",
        "metric",
        "built_at",
        "counts",
        "corpus",
        "skipped",
        "search",
        "answer_types",
        "sentences",
        "quotation_rules",
        "term_rules",
        "question_encoder",
        "files",
    }
)
COUNTS = ("articles", "passages", "sentences", "quotations")
_HEX = frozenset("0123456789abcdef")


def required_files(format_version: int, search_kind: str) -> set[str]:
    """The files a build of this format must list in its manifest (the loader opens no other)."""
    files = {"articles.jsonl", "vectors.npy", "sentences.npy", "quotations.jsonl", "quotes.npy"}
    files |= {"quote_contexts.npy", "names.json", "keyword/params.index.json", "keyword/vocab.index.json"}
    files |= {f"keyword/{part}.csc.index.npy" for part in ("data", "indices", "indptr")}
    files |= {"passages.npy", "sentence_spans.npy"} if format_version >= 4 else {"passages.jsonl"}
    if format_version >= 3:
        files |= {"sentence_terms.npy", "sentence_term_rows.npy"}
    if format_version >= 5:
        files.add("sentence_types.npy")
    if format_version >= 6:
        files |= {"people.json", "copies.json"}
    if search_kind != "exact":
        files.add(ANN_FILE)
    return files


def read_manifest(path: Path, formats: Sequence[int] = (FORMAT_VERSION,)) -> dict[str, Any]:
    """The manifest of the build directory ``path``, checked against its schema: any file that
    is not one (too large, too deep, a field of the wrong kind, an unknown field, a file list
    that leaves the build or lacks a file) is damage, raised as IndexCorrupt."""
    file = path / MANIFEST_FILE
    try:
        regular_file(path, MANIFEST_FILE)
        if file.lstat().st_size > MAX_MANIFEST_BYTES:
            raise IndexCorrupt(f"{file} is larger than a manifest can be")
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"index build {path.name} has no manifest") from None
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise IndexCorrupt(f"cannot read {file} ({reason})") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"{file} is not a manifest")
    version = manifest.get("format")
    if not isinstance(version, int) or isinstance(version, bool):
        raise IndexCorrupt(f"{file} has no valid format number (it says {_shown(version)})")
    if version not in formats:
        if version in REUSABLE_FORMATS:
            raise IndexFormatOutdated(f"the index was written by an older version (format {version})")
        raise IndexMismatch(
            f"the index has format {version}, which this version does not read (it reads {FORMAT_VERSION})"
        )
    problem = _schema_problem(manifest, strict=version == FORMAT_VERSION)
    if problem:
        raise IndexCorrupt(f"{file} {problem}")
    return manifest


def _schema_problem(m: dict[str, Any], *, strict: bool) -> str | None:
    """What is wrong with a manifest's fields, or None."""
    unknown = sorted(set(m) - KNOWN_KEYS) if strict else []
    if unknown:
        return f"has an unknown field {unknown[0][:40]!r}"
    for key, kind in _FIELDS:
        if not isinstance(m.get(key), kind) or isinstance(m.get(key), bool):
            return f"has no valid {key!r}"
    if not 1 <= m["dimension"] <= 65536:
        return "has no valid 'dimension'"
    counts = m["counts"]
    if any(not _count(counts.get(k)) for k in COUNTS):
        return "has no valid 'counts'"
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in m["corpus"].items()):
        return "has no valid 'corpus'"
    skipped = m.get("skipped", [])
    if not isinstance(skipped, list) or not all(isinstance(x, str) for x in skipped):
        return "has no valid 'skipped'"
    search = m["search"]
    if search.get("kind") not in SEARCH_KINDS or (search["kind"] != "exact") != (ANN_FILE in m["files"]):
        return "describes its vector search wrongly"
    files = m["files"]
    for name, meta in files.items():
        if not safe_name(name):
            return f"lists a file outside its build ({name[:80]!r})"
        if not (
            isinstance(meta, dict)
            and _count(meta.get("bytes"))
            and isinstance(meta.get("sha256"), str)
            and len(meta["sha256"]) == 64
            and set(meta["sha256"]) <= _HEX
        ):
            return f"lists its file {name[:80]!r} wrongly"
    missing = sorted(required_files(m["format"], search["kind"]) - set(files))
    if missing:
        return f"does not list the file {missing[0]}"
    return None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _shown(value: object) -> str:
    return repr(value)[:40]


def check_files(path: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is a regular file inside the build (no link out) with its
    size and, up to a size, its checksum.

    Files larger than HASH_CHECK_BYTES are checked by size and shape only, so that loading a
    very large index does not read all of it (a damaged one still fails the shape checks).
    """
    for name, meta in manifest["files"].items():
        try:
            file = regular_file(path, name)
            size = file.lstat().st_size
        except (IndexCorrupt, OSError):
            raise IndexCorrupt(f"index file {name} is missing or damaged") from None
        if size != int(meta["bytes"]):
            raise IndexCorrupt(f"index file {name} is missing or damaged")
        if size <= HASH_CHECK_BYTES and file_hash(file) != meta["sha256"]:
            raise IndexCorrupt(f"index file {name} does not match its checksum (damaged or edited)")


def analysis_current(manifest: dict[str, Any]) -> bool:
    """The build analysed its text as this version does (answer kinds, sentence, quotation and
    keyword term rules)."""
    return (
        manifest.get("answer_types") == answer_types.SIGNATURE
        and manifest.get("sentences", 1) == SENTENCE_RULES
        and manifest.get("quotation_rules", 1) == QUOTATION_RULES
        and manifest.get("term_rules", 1) == TERM_RULES
    )


def list_files(build: Path) -> dict[str, dict[str, Any]]:
    """Every file of a build directory with its size and checksum (the manifest's ``files``)."""
    return {
        str(file.relative_to(build)): {"bytes": file.stat().st_size, "sha256": file_hash(file)}
        for file in sorted(build.rglob("*"))
        if file.is_file()
    }


def corpus_hashes(articles: Sequence[Article], aliases: Aliases = NO_ALIASES) -> dict[str, str]:
    """File name -> sha256 of every file a build is made from: the articles and, when there
    is one, the people.aliases file (what corpus_fingerprint reads from the directory)."""
    found = {a.source_file: a.content_hash for a in articles}
    if aliases.content_hash:
        found[ALIASES_FILE] = aliases.content_hash
    return found


def new_manifest(
    *,
    model: str,
    dimension: int,
    counts: dict[str, int],
    articles: Sequence[Article],
    aliases: Aliases = NO_ALIASES,
    skipped: Sequence[str],
    search: dict[str, Any],
    files: dict[str, dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "model": model,
        "dimension": dimension,
        "normalized": True,
        "metric": "inner_product",
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "counts": counts,
        "corpus": corpus_hashes(articles, aliases),
        "skipped": sorted(skipped),
        "search": search,
        "answer_types": answer_types.SIGNATURE,
        "sentences": SENTENCE_RULES,
        "quotation_rules": QUOTATION_RULES,
        "term_rules": TERM_RULES,
        **(extra or {}),
        "files": files,
    }
