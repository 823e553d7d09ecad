"""Embedders: text -> L2-normalised float32 vectors (so inner product is cosine similarity).

``load_embedder`` makes the one a model setting names: the bundled all-MiniLM-L6-v2, another
local sentence-transformers model, or (tests only) ``hash-N``, the deterministic test embedder.
"""

from __future__ import annotations

from pathlib import Path

from bot.embedding.base import Embedder, ModelError
from bot.embedding.hashed import HashEmbedder, hash_dimension
from bot.embedding.transformer import BUNDLED_ALIASES, SentenceTransformerEmbedder

__all__ = [
    "BUNDLED_ALIASES",
    "Embedder",
    "HashEmbedder",
    "ModelError",
    "SentenceTransformerEmbedder",
    "load_embedder",
]


def load_embedder(model: str, *, cache_dir: Path | None = None) -> Embedder:
    """The embedder a setting names (a real model is loaded on first use)."""
    dimension = hash_dimension(model)
    if dimension is not None:
        return HashEmbedder(dimension)
    return SentenceTransformerEmbedder(model, cache_dir=cache_dir)
