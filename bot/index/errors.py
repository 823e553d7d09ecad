"""Why an index cannot be used, each with what to do about it.

Every message ends with its remedy, added here once: ``IndexCorrupt("index file x is
damaged")`` reads "index file x is damaged: run python -m bot.reindex".
"""

from __future__ import annotations

REINDEX = "run python -m bot.reindex"


class IndexProblem(RuntimeError):
    """Base class: the index cannot be used as it is. The message says what to do."""

    remedy: str | None = REINDEX

    def __init__(self, message: str) -> None:
        self.reason = message
        super().__init__(f"{message}: {self.remedy}" if self.remedy else message)


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    """Built with another model or format version."""


class IndexFormatOutdated(IndexMismatch):
    """Written by an older version of this program (same data, fewer files): a rebuild fixes it."""


class IndexBusy(IndexProblem):
    remedy = "try again when it ends"


class IndexWriteError(IndexProblem):
    """A build could not be written (full disk, read-only directory); the live build is unchanged."""

    remedy = None  # the message names the cause's own fix
