"""The test embedder: a deterministic hashed bag of keyword terms. No model, no torch.

Named by the model setting ``hash-N`` (N dimensions), for tests and demonstrations only: its
vectors share words, not meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

PREFIX = "hash-"


class HashEmbedder:
    """Deterministic fake: hashed bag of keyword terms. For tests; no model, no torch."""

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension
        self.calls = 0  # how many texts were embedded (tests check incremental reuse)

    @property
    def name(self) -> str:
        return f"{PREFIX}{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        from bot.analysis import terms

        self.calls += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text):
                digest = hashlib.blake2b(term.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self._dimension
                out[row, bucket] += 1.0 if digest[4] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
        return out


def hash_dimension(model: str) -> int | None:
    """N for a model setting ``hash-N`` (N from 8 to 4096), else None."""
    rest = model.strip().removeprefix(PREFIX)
    if model.strip().startswith(PREFIX) and rest.isdigit() and 8 <= int(rest) <= 4096:
        return int(rest)
    return None
