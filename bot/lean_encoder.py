"""The same sentence embedding as sentence-transformers, for a few short texts, in NumPy.

A question is about ten tokens. Through sentence-transformers and PyTorch, embedding one
costs tens of milliseconds of framework overhead and a cold start of several seconds (importing
torch and transformers). This module runs the same weights (a BERT encoder, mean pooling,
L2 normalisation: all-MiniLM-L6-v2 and models like it) with the Rust ``tokenizers`` library
and NumPy: a few milliseconds per question and no torch import. Its vectors match the
reference model's to within float32 rounding (``tests/test_quality.py`` checks a cosine of at
least 0.99999 on every sentence of the corpus and on odd inputs).

Index builds, which embed thousands of long texts in batches, still use sentence-transformers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Abramowitz & Stegun 7.1.26: erf to within 1.5e-7, enough for float32 (exact GELU as in BERT)
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _gelu(x: np.ndarray) -> np.ndarray:
    z = np.abs(x) * np.float32(1 / math.sqrt(2))
    t = 1.0 / (1.0 + _P * z)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    erf = 1.0 - poly * np.exp(-z * z)
    erf = np.where(x < 0, -erf, erf)
    return (0.5 * x * (1.0 + erf)).astype(np.float32, copy=False)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


class Unsupported(Exception):
    """This model is not a plain BERT + mean pooling sentence encoder: use sentence-transformers."""


class LeanEncoder:
    """A BERT sentence encoder (mean pooling, normalised) from a sentence-transformers folder."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = _read_json(model_dir / "config.json")
        modules = _read_json(model_dir / "modules.json")
        kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
        if config.get("model_type") != "bert" or kinds not in (
            ["Transformer", "Pooling", "Normalize"],
            ["Transformer", "Pooling"],
        ):
            raise Unsupported(f"modules {kinds}, model type {config.get('model_type')!r}")
        pooling = _read_json(model_dir / modules[1]["path"] / "config.json")
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
        if modes != {"pooling_mode_mean_tokens"}:
            raise Unsupported(f"pooling {sorted(modes)}")
        if (
            config.get("hidden_act") != "gelu"
            or config.get("position_embedding_type", "absolute") != "absolute"
        ):
            raise Unsupported("activation or position embeddings")
        weights_file = model_dir / "model.safetensors"
        if not weights_file.is_file():
            raise Unsupported("no model.safetensors")
        st_config = _read_json(model_dir / "sentence_bert_config.json", missing_ok=True)
        max_length = int(st_config.get("max_seq_length") or config["max_position_embeddings"])

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        w = {k.removeprefix("bert."): v for k, v in load_file(str(weights_file)).items()}
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dimension = int(config["hidden_size"])
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."

            def get(name: str, p: str = p) -> np.ndarray:
                return w[p + name]

            qkv = np.concatenate(
                [get(f"attention.self.{n}.weight") for n in ("query", "key", "value")], axis=0
            )
            self.layers.append(
                (
                    np.ascontiguousarray(qkv.T),
                    np.concatenate([get(f"attention.self.{n}.bias") for n in ("query", "key", "value")]),
                    np.ascontiguousarray(get("attention.output.dense.weight").T),
                    get("attention.output.dense.bias"),
                    (get("attention.output.LayerNorm.weight"), get("attention.output.LayerNorm.bias")),
                    np.ascontiguousarray(get("intermediate.dense.weight").T),
                    get("intermediate.dense.bias"),
                    np.ascontiguousarray(get("output.dense.weight").T),
                    get("output.dense.bias"),
                    (get("output.LayerNorm.weight"), get("output.LayerNorm.bias")),
                )
            )

        self._session = _onnx_session(self)  # None without onnxruntime: NumPy does the work
        if self._session is not None:  # the session holds its own copy of the weights
            self.word = self.position = self.token_type = None  # type: ignore[assignment]
            self.layers = []
            _give_back_freed_memory()

    @property
    def runtime(self) -> str:
        return "onnxruntime" if self._session is not None else "numpy"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.tokenizer.encode(text).ids
            if self._session is not None:
                feed = {
                    "ids": np.asarray(ids, dtype=np.int64),
                    "positions": np.arange(len(ids), dtype=np.int64),
                }
                vector = self._session.run(None, feed)[0]
            else:
                vector = self._one(ids)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[row] = vector / norm
        return out

    def _one(self, ids: list[int]) -> np.ndarray:
        n, h = len(ids), self.heads
        d = self.dimension // h
        x = self.word[ids] + self.position[:n] + self.token_type
        x = _layer_norm(x, *self.embed_norm, self.eps)
        scale = np.float32(1 / math.sqrt(d))
        for qkv_w, qkv_b, out_w, out_b, norm1, in_w, in_b, ff_w, ff_b, norm2 in self.layers:
            qkv = x @ qkv_w + qkv_b  # (n, 3 * hidden)
            q, k, v = (qkv[:, i * self.dimension : (i + 1) * self.dimension] for i in range(3))
            q = q.reshape(n, h, d).transpose(1, 0, 2)
            k = k.reshape(n, h, d).transpose(1, 2, 0)
            v = v.reshape(n, h, d).transpose(1, 0, 2)
            scores = (q @ k) * scale  # (h, n, n)
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, self.dimension)
            x = _layer_norm(context @ out_w + out_b + x, *norm1, self.eps)
            x = _layer_norm(_gelu(x @ in_w + in_b) @ ff_w + ff_b + x, *norm2, self.eps)
        return x.mean(axis=0)


def _read_json(path: Path, *, missing_ok: bool = False) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return {}
        raise Unsupported(f"no {path.name}") from None
    except (OSError, ValueError) as exc:
        raise Unsupported(f"{path.name}: {exc}") from None


def _onnx_session(encoder: LeanEncoder) -> object | None:
    """The encoder as an ONNX graph built from its weights, in an ONNX Runtime session.

    The graph is written here node by node (no export from PyTorch): embeddings, then per
    layer fused QKV projection, softmax attention, output projection, exact GELU feed-forward,
    each with its residual and layer norm, then the mean over tokens. ONNX Runtime's kernels
    for one short sequence are about twice as fast as NumPy's. None if it is not installed.
    """
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    hidden, h = encoder.dimension, encoder.heads
    d = hidden // h
    inits: list = []
    nodes: list = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def norm(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        w, b = const(name + ".w", weight), const(name + ".b", bias)
        return node("LayerNormalization", [x, w, b], name, axis=-1, epsilon=encoder.eps)

    def linear(x: str, weight: np.ndarray, bias: np.ndarray, name: str) -> str:
        y = node("MatMul", [x, const(name + ".w", weight)], name + ".mm")
        return node("Add", [y, const(name + ".b", bias)], name)

    split = const("split", np.array([hidden] * 3, dtype=np.int64))
    heads = const("heads", np.array([-1, h, d], dtype=np.int64))
    flat = const("flat", np.array([-1, hidden], dtype=np.int64))
    scale = const("scale", np.array(1 / math.sqrt(d), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    one = const("one", np.array(1.0, dtype=np.float32))
    root2 = const("root2", np.array(math.sqrt(2), dtype=np.float32))

    x = node("Gather", [const("word", encoder.word), "ids"], "tok")
    x = node("Add", [x, node("Gather", [const("pos", encoder.position), "positions"], "posv")], "e1")
    x = node("Add", [x, const("type", encoder.token_type)], "e2")
    x = norm(x, *encoder.embed_norm, "emb")
    for i, (qkv_w, qkv_b, out_w, out_b, norm1, in_w, in_b, ff_w, ff_b, norm2) in enumerate(encoder.layers):
        p = f"l{i}"
        qkv = linear(x, qkv_w, qkv_b, p + ".qkv")
        nodes.append(helper.make_node("Split", [qkv, split], [p + ".q", p + ".k", p + ".v"], axis=1))
        q = node("Transpose", [node("Reshape", [p + ".q", heads], p + ".q3")], p + ".qt", perm=[1, 0, 2])
        k = node("Transpose", [node("Reshape", [p + ".k", heads], p + ".k3")], p + ".kt", perm=[1, 2, 0])
        v = node("Transpose", [node("Reshape", [p + ".v", heads], p + ".v3")], p + ".vt", perm=[1, 0, 2])
        scores = node("Mul", [node("MatMul", [q, k], p + ".qk"), scale], p + ".scaled")
        probs = node("Softmax", [scores], p + ".probs", axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v], p + ".ctx3")], p + ".ctxt", perm=[1, 0, 2])
        context = node("Reshape", [context, flat], p + ".ctx")
        attended = node("Add", [linear(context, out_w, out_b, p + ".out"), x], p + ".res1")
        x = norm(attended, *norm1, p + ".ln1")
        f = linear(x, in_w, in_b, p + ".in")
        erf = node("Erf", [node("Div", [f, root2], p + ".fdiv")], p + ".erf")
        gelu = node(
            "Mul", [node("Mul", [f, half], p + ".fhalf"), node("Add", [erf, one], p + ".erf1")], p + ".gelu"
        )
        x = norm(node("Add", [linear(gelu, ff_w, ff_b, p + ".ff"), x], p + ".res2"), *norm2, p + ".ln2")
    node("ReduceMean", [x], "pooled", axes=[0], keepdims=0)

    graph = helper.make_graph(
        nodes,
        "sentence-encoder",
        [
            helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"]),
            helper.make_tensor_value_info("positions", TensorProto.INT64, ["n"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [hidden])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _give_back_freed_memory() -> None:
    """Return the copies made while building the graph to the system (glibc keeps them otherwise)."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
