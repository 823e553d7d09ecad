"""Dense search over the passage vectors: one ``search()`` whether exact or approximate.

Small corpora are searched exactly, by one NumPy product over the memory-mapped vectors (at 10k
passages about as fast as a FAISS flat index, 1.9 against 1.6 ms on one thread, without the
flat index's copy of every vector). From ``ann_min_passages`` on, a build writes an HNSW graph
(``ann.faiss``) whose candidates are rescored with the float32 vectors.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from bot.index.files import read_ahead

HNSW_M = 32  # graph links per vector
# Effort by graph size, (efConstruction, efSearch): candidates weighed per link made, and per
# question (efSearch is set at load: changing it needs no rebuild). Measured on the bench's
# synthetic corpora, recall@10 against exact search: 100k with (80, 384) 0.96; 1M with (80, 384)
# 0.66 (real benchmark questions 0.90), with (200, 512) 0.89 (0.97) at 2.4 ms a question.
HNSW_EFFORT = (80, 384)
HNSW_LARGE = 200_000  # from this many passages on, the larger effort below
HNSW_LARGE_EFFORT = (200, 512)
# The graph returns this many times the passages asked for, and their float32 vectors pick the
# best: on the 100k bench corpus recall@10 against exact search 0.948 -> 0.961, no measurable time.
ANN_REFINE = 2
# Vectors inside the graph as 8-bit codes: a quarter of float32's memory; the ranking rescores
# every candidate with its float32 vector (SciFact: recall@10 against exact 0.999 -> 0.995).
HNSW_STORAGE = "sq8"
ANN_FILE = "ann.faiss"
SEARCH_KINDS = ("exact", "ivf", "hnsw")  # ivf: written by format 2, read for its vectors


class DenseSearch:
    """The passages nearest to a query vector. ``vectors`` are the float32 passage vectors."""

    kind = "exact"
    faiss_index: Any = None  # the FAISS index of an approximate search

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors.view(np.ndarray)  # a plain view: slicing a memmap costs more

    def search(self, query: np.ndarray, count: int) -> np.ndarray:
        """Rows of (up to) the ``count`` passages nearest to ``query``, in no order."""
        scores = self.vectors @ np.asarray(query, dtype=np.float32)
        if count >= len(scores):
            return np.arange(len(scores))
        return np.argpartition(-scores, count)[:count]


class FaissSearch(DenseSearch):
    """An approximate FAISS index (HNSW; IVF in format 2), its candidates rescored exactly."""

    def __init__(self, vectors: np.ndarray, faiss_index: Any, kind: str) -> None:
        super().__init__(vectors)
        self.faiss_index = faiss_index
        self.kind = kind

    def search(self, query: np.ndarray, count: int) -> np.ndarray:
        query = np.asarray(query, dtype=np.float32)
        _, found = self.faiss_index.search(query.reshape(1, -1), ANN_REFINE * count)
        ids = np.sort(found[0][found[0] >= 0])
        if len(ids) <= count:
            return ids
        return ids[np.argpartition(-(self.vectors[ids] @ query), count)[:count]]


def open_dense(path: Path, search: dict[str, Any], vectors: np.ndarray) -> DenseSearch:
    """The dense search a build's manifest describes (``path`` is the build directory).

    Raises ValueError when the graph does not hold one vector per passage.
    """
    if search["kind"] == "exact":
        return DenseSearch(vectors)
    import faiss

    # one question at a time: OpenMP threads cost more than they save (3x here)
    faiss.omp_set_num_threads(1)
    index = _read_faiss(path / ANN_FILE)
    if index.ntotal != len(vectors):
        raise ValueError(f"it holds {index.ntotal} vectors for {len(vectors)} passages")
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = hnsw_effort(index.ntotal)[1]
    elif isinstance(index, faiss.IndexIVF):  # written by format 2
        index.nprobe = int(search.get("nprobe", 16))
    return FaissSearch(vectors, index, str(search["kind"]))


def _read_faiss(path: Path) -> Any:
    """A FAISS index memory-mapped where FAISS can (an HNSW graph and its codes: its pages are
    shared by every process that serves the build and loading takes no time), else read whole."""
    import faiss

    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None)
    if flag is not None:
        try:
            index = faiss.read_index(str(path), flag)
        except RuntimeError:  # a FAISS without mmap support here, or an older index type
            pass
        else:
            read_ahead(path)
            return index
    return faiss.read_index(str(path))


def write_dense(path: Path, vectors: np.ndarray, ann_min_passages: int) -> dict[str, Any]:
    """Exact search (nothing to write) for small corpora; an HNSW graph past ann_min_passages.

    HNSW, not IVF: on real MiniLM vectors (SciFact, 12k passages and 51k sentences) HNSW with
    efSearch 256 kept recall@100 against exact search at 0.99 in about 1 ms a question, where
    IVF needed a quarter of its lists probed for 0.98 and got slower than that.
    Returns the search's description for the manifest.
    """
    search = planned_search(len(vectors), ann_min_passages)
    if search["kind"] == "exact":
        return search
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building: every core (searching uses one)
    index = faiss.IndexHNSWSQ(
        vectors.shape[1],
        faiss.ScalarQuantizer.QT_8bit,  # type: ignore[arg-type]  # SWIG takes the enum's int
        HNSW_M,
        faiss.METRIC_INNER_PRODUCT,
    )
    index.hnsw.efConstruction = search["ef_construction"]
    data = np.ascontiguousarray(vectors, dtype=np.float32)
    index.train(data)  # the per-dimension ranges of the 8-bit codes
    index.add(data)
    # written by Python, not by FAISS: a full disk is an OSError like any other file's
    graph = faiss.serialize_index(index)
    with (path / ANN_FILE).open("wb") as fh:
        fh.write(graph.data)
        fh.flush()
        os.fsync(fh.fileno())
    return search


def planned_search(passages: int, ann_min_passages: int) -> dict[str, Any]:
    """How a build of this many passages is searched (what its manifest says)."""
    if passages < max(ann_min_passages, 1):
        return {"kind": "exact"}
    construction, search = hnsw_effort(passages)
    return {
        "kind": "hnsw",
        "m": HNSW_M,
        "ef_construction": construction,
        "ef_search": search,
        "storage": HNSW_STORAGE,
    }


def build_settings(search: dict[str, Any]) -> dict[str, Any]:
    """What a build fixes about its search (efSearch is a setting of the reader)."""
    return {k: v for k, v in search.items() if k != "ef_search"}


def hnsw_effort(passages: int) -> tuple[int, int]:
    """(efConstruction, efSearch) for a graph of this many passages."""
    return HNSW_LARGE_EFFORT if passages >= HNSW_LARGE else HNSW_EFFORT
