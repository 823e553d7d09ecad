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
from bot.checksums import file_hash
from bot.index.dense import ANN_FILE, SEARCH_KINDS
from bot.index.errors import IndexCorrupt, IndexFormatOutdated, IndexMismatch
from bot.models import Article

FORMAT_VERSION = 5
REUSABLE_FORMATS = (2, 3, 4, 5)  # builds whose vectors a new build may take over
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


def read_manifest(path: Path, formats: Sequence[int] = (FORMAT_VERSION,)) -> dict[str, Any]:
    """The manifest of the build directory ``path``, checked for its fields and format."""
    file = path / MANIFEST_FILE
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"index build {path.name} has no manifest") from None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"cannot read {file} ({exc})") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"{file} is not a manifest")
    if manifest.get("format") not in formats:
        outdated = manifest.get("format") in REUSABLE_FORMATS
        raise (IndexFormatOutdated if outdated else IndexMismatch)(
            f"the index has format {manifest.get('format')!r}, this version reads {FORMAT_VERSION}"
        )
    for key, kind in _FIELDS:
        if not isinstance(manifest.get(key), kind):
            raise IndexCorrupt(f"{file} has no valid {key!r}")
    search = manifest["search"]
    if search.get("kind") not in SEARCH_KINDS or (search["kind"] != "exact") != (
        ANN_FILE in manifest["files"]
    ):
        raise IndexCorrupt(f"{file} describes its vector search wrongly")
    return manifest


def check_files(path: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its size and, up to a size, its checksum.

    Files larger than HASH_CHECK_BYTES are checked by size and shape only, so that loading a
    very large index does not read all of it (a damaged one still fails the shape checks).
    """
    try:
        for name, meta in manifest["files"].items():
            file = path / name
            if ".." in Path(name).parts or not file.is_file() or file.stat().st_size != int(meta["bytes"]):
                raise IndexCorrupt(f"index file {name} is missing or damaged")
            if file.stat().st_size <= HASH_CHECK_BYTES and file_hash(file) != meta["sha256"]:
                raise IndexCorrupt(f"index file {name} does not match its checksum (damaged or edited)")
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise IndexCorrupt(f"the manifest of {path.name} lists its files wrongly ({exc})") from None


def list_files(build: Path) -> dict[str, dict[str, Any]]:
    """Every file of a build directory with its size and checksum (the manifest's ``files``)."""
    return {
        str(file.relative_to(build)): {"bytes": file.stat().st_size, "sha256": file_hash(file)}
        for file in sorted(build.rglob("*"))
        if file.is_file()
    }


def new_manifest(
    *,
    model: str,
    dimension: int,
    counts: dict[str, int],
    articles: Sequence[Article],
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
        "corpus": {a.source_file: a.content_hash for a in articles},
        "skipped": sorted(skipped),
        "search": search,
        "answer_types": answer_types.SIGNATURE,
        **(extra or {}),
        "files": files,
    }
