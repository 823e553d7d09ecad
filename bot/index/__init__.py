"""The index on disk: built atomically and incrementally (``build``), loaded with checks
(``load``); see ``bot.index.build`` for the layout of ``index/``."""

from bot.index.build import BuildReport, build_index, build_lock
from bot.index.errors import (
    IndexBusy,
    IndexCorrupt,
    IndexFormatOutdated,
    IndexMismatch,
    IndexMissing,
    IndexProblem,
    IndexWriteError,
)
from bot.index.load import Index, StaleReport, live_build, load_build, load_index

__all__ = [
    "BuildReport",
    "Index",
    "IndexBusy",
    "IndexCorrupt",
    "IndexFormatOutdated",
    "IndexMismatch",
    "IndexMissing",
    "IndexProblem",
    "IndexWriteError",
    "StaleReport",
    "build_index",
    "build_lock",
    "live_build",
    "load_build",
    "load_index",
]
