"""What an embedder is: text in, L2-normalised float32 vectors out (inner product = cosine)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


class ModelError(RuntimeError):
    """The embedding model cannot be loaded."""


class Embedder(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Float32 array (len(texts), dimension), each row of unit length (or zero)."""
        ...
