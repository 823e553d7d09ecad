"""File primitives of the index: atomic writes, fsync, JSON lines and arrays, memory-map advice."""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bot.index.errors import IndexCorrupt


def safe_name(name: object) -> bool:
    """A file name a manifest may list: relative, inside its build, plain parts only."""
    if not isinstance(name, str) or not name or len(name) > 255 or "\\" in name or "\x00" in name:
        return False
    parts = name.split("/")
    return not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def regular_file(base: Path, name: str) -> Path:
    """``base / name`` when it is a regular file reached without following a link (every part
    below ``base`` checked with lstat, nothing opened); else IndexCorrupt."""
    if not safe_name(name):
        raise IndexCorrupt(f"{name[:80]!r} is not a file name inside {base}")
    here = base
    parts = name.split("/")
    for i, part in enumerate(parts):
        here = here / part
        mode = here.lstat().st_mode  # FileNotFoundError when missing
        last = i == len(parts) - 1
        if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) if last else stat.S_ISDIR(mode)):
            raise IndexCorrupt(f"{here} is a link or not a {'file' if last else 'folder'}")
    return here


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary name, fsync it, and move it into place."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_jsonl(path: Path, records: Iterable[Any]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def save_npy(path: Path, array: Any, dtype: Any = np.float32) -> None:
    with path.open("wb") as fh:
        np.save(fh, np.ascontiguousarray(array, dtype=dtype), allow_pickle=False)
        fh.flush()
        os.fsync(fh.fileno())


def random_access(mapping: mmap.mmap | None) -> None:
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


def read_ahead(path: Path) -> None:
    """Ask the kernel to read a whole file into the page cache in the background: every
    question walks the graph, and the first ones after a cold start would otherwise wait on the
    disk page by page (1M: p95 117 ms). The pages join the process only when a search touches
    them."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError), path.open("rb") as fh:
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_WILLNEED)
