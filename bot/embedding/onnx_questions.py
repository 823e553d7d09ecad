"""Questions embedded by an exported graph of the model: the Rust ``tokenizers`` library and
ONNX Runtime, a few milliseconds a question and no torch import.

The graph and tokenizer come from ``bot.embedding.export``; its vectors match the model's own
(``tests/test_encoder.py`` checks a cosine above 0.9999 on every sentence of the corpus).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class QuestionEncoder:
    """One exported sentence-transformers model (``model.onnx``, ``tokenizer.json``, ``encoder.json``)."""

    def __init__(self, export_dir: Path, graph: Path | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        info = json.loads((export_dir / "encoder.json").read_text(encoding="utf-8"))
        self.inputs: list[str] = list(info["inputs"])
        self.dimension = int(info["dimension"])
        self.tokenizer = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=int(info["max_seq_length"]))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(graph or export_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):  # one at a time: no padding, as the model sees it alone
            encoding = self.tokenizer.encode(text)
            given = {
                "input_ids": encoding.ids,
                "attention_mask": encoding.attention_mask,
                "token_type_ids": encoding.type_ids,
            }
            feed = {name: np.asarray([given[name]], dtype=np.int64) for name in self.inputs}
            (batch,) = self._session.run(None, feed)  # one output: the sentence embeddings
            vector = np.asarray(batch, dtype=np.float32)[0]
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[row] = vector / norm
        return out
