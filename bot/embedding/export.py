"""Export a sentence-transformers model's whole forward pass (transformer, pooling, any dense
or normalising layers) to an ONNX graph with torch's exporter, with the model's tokenizer.

Exports are kept in ``<cache>/encoders/<model checksum>-v<EXPORT_VERSION>/`` (the checksum
covers every file of the model directory), so one export serves every index built with that
model, and a changed model, or a changed exporter, gets a new one. A model that does not
export leaves a ``failed.json`` there with the reason, so that later processes use
sentence-transformers at once instead of trying again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.checksums import file_hash

SUPPORTED_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
# Texts on which a fused graph must give the exported graph's vectors before it replaces it.
PROBES = (
    "Who commuted Alice Marie Johnson's sentence?",
    "a",
    "The judge called her \u201cthe quintessential entrepreneur\u201d in 1996, and 2,000 kilograms. " * 12,
)


class ExportFailed(RuntimeError):
    """The model could not be exported; the message says why."""


def model_checksum(model_dir: Path) -> str:
    """sha256 over every file of a model directory (names, sizes and contents)."""
    digest = hashlib.sha256()
    for file in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        rel = file.relative_to(model_dir).as_posix()
        if rel.startswith(".") or "/." in rel:
            continue
        digest.update(f"{rel}\0{file.stat().st_size}\0{file_hash(file)}\n".encode())
    return digest.hexdigest()


# Raised whenever the export changes (what is traced, which fusions): an export made by an
# older version of this code is then made again, not reused.
EXPORT_VERSION = 3


def export_dir(cache_dir: Path, checksum: str) -> Path:
    """Where the export of the model with this checksum, by this version of the code, is kept."""
    return cache_dir / "encoders" / f"{checksum[:32]}-v{EXPORT_VERSION}"


def find_export(cache_dir: Path, checksum: str) -> tuple[Path | None, str | None]:
    """(the export's directory, None) when one is there, (None, why) when it failed before,
    (None, None) when it was never tried."""
    place = export_dir(cache_dir, checksum)
    if (place / "encoder.json").is_file() and (place / "model.onnx").is_file():
        return place, None
    failed = place / "failed.json"
    if failed.is_file():
        try:
            return None, str(json.loads(failed.read_text(encoding="utf-8")).get("reason", "unknown"))
        except (OSError, ValueError):
            return None, "unknown (failed.json unreadable)"
    return None, None


def export_model(model: Any, cache_dir: Path, checksum: str, name: str) -> Path:
    """Export a loaded SentenceTransformer; returns the export's directory.

    Raises ExportFailed (after writing ``failed.json``) when the model cannot be exported.
    """
    place = export_dir(cache_dir, checksum)
    place.parent.mkdir(parents=True, exist_ok=True)
    tmp = place.parent / f".tmp-{place.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    started = time.perf_counter()
    try:
        backend = getattr(model.tokenizer, "backend_tokenizer", None)
        if backend is None:
            raise ExportFailed("its tokenizer is not a fast (Rust) tokenizer")
        inputs = _export(model, tmp / "raw.onnx")
        (tmp / "tokenizer.json").write_text(backend.to_str(), encoding="utf-8")
        info: dict[str, Any] = {
            "export_version": EXPORT_VERSION,
            "model": name,
            "model_sha256": checksum,
            "inputs": inputs,
            "max_seq_length": int(model.max_seq_length),
            "dimension": int(_dimension(model)),
        }
        (tmp / "encoder.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        info["fused"] = _fuse(tmp, _attention_shape(model))
        info["onnx_sha256"] = file_hash(tmp / "model.onnx")
        info["seconds"] = round(time.perf_counter() - started, 1)
        (tmp / "encoder.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(place, ignore_errors=True)
        os.replace(tmp, place)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        reason = exc.args[0] if isinstance(exc, ExportFailed) else f"{type(exc).__name__}: {exc}"
        place.mkdir(parents=True, exist_ok=True)
        (place / "failed.json").write_text(
            json.dumps({"model": name, "reason": str(reason)[:500]}), encoding="utf-8"
        )
        raise ExportFailed(str(reason)[:500]) from None
    return place


def _attention_shape(model: Any) -> tuple[int, int]:
    """The heads and width of the model's attention, from its transformer's config, for the
    attention fusion (which cannot read them off this graph: without them it fuses layer norms
    and GELU only); (0, 0), "find them yourself", when the config does not say."""
    for module in model.modules():
        config = getattr(getattr(module, "auto_model", None), "config", None)
        heads, width = getattr(config, "num_attention_heads", None), getattr(config, "hidden_size", None)
        if isinstance(heads, int) and isinstance(width, int) and heads > 0 and width % heads == 0:
            return heads, width
    return 0, 0


def _fuse(tmp: Path, shape: tuple[int, int]) -> bool:
    """``model.onnx``: the exported graph with ONNX Runtime's transformer fusions (attention,
    layer norms, GELU as single kernels: a question about an eighth faster than the graph as
    traced, measured on all-MiniLM-L6-v2) when the fused graph gives the same vectors on
    PROBES, else the graph as exported. True when fused."""
    import numpy as np

    from bot.embedding.onnx_questions import QuestionEncoder

    raw, fused = tmp / "raw.onnx", tmp / "fused.onnx"
    same = False
    quieted: list[tuple[logging.Logger, int]] = []
    try:
        from onnxruntime.transformers import optimizer

        quieted = _quiet_fusion_logs(Path(optimizer.__file__).parent)
        heads, width = shape
        optimized = optimizer.optimize_model(
            str(raw), model_type="bert", num_heads=heads, hidden_size=width, opt_level=1
        )
        optimized.save_model_to_file(str(fused))
        want = QuestionEncoder(tmp, raw).embed(PROBES)
        got = QuestionEncoder(tmp, fused).embed(PROBES)
        same = bool(np.all(np.sum(want * got, axis=1) > 0.99999))
    except Exception:  # no fusions for this architecture, or they fail: keep the graph as exported
        same = False
    finally:
        for logger, level in quieted:
            logger.setLevel(level)
    os.replace(fused if same else raw, tmp / "model.onnx")
    for leftover in (raw, fused):
        leftover.unlink(missing_ok=True)
    return same


def _quiet_fusion_logs(package: Path) -> list[tuple[logging.Logger, int]]:
    """Raise to ERROR the loggers of ONNX Runtime's fusion modules, which log under their bare
    module names ("fusion_attention"), not under "onnxruntime" (a warning a layer had reached
    the terminal at a first build); returns each with the level to give back."""
    quieted = []
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None)
        if where and Path(where).parent == package and name in logging.root.manager.loggerDict:
            logger = logging.getLogger(name)
            quieted.append((logger, logger.level))
            logger.setLevel(logging.ERROR)
    return quieted


@contextlib.contextmanager
def _eager_attention(model: Any) -> Iterator[None]:
    """Trace attention as plain matrix products (transformers' "eager" implementation), the
    pattern ONNX Runtime fuses, and give the model back as it was."""
    changed = []
    for module in model.modules():
        inner = getattr(module, "auto_model", None)
        config = getattr(inner, "config", None)
        before = getattr(config, "_attn_implementation", None)
        if inner is not None and before not in (None, "eager") and hasattr(inner, "set_attn_implementation"):
            try:
                inner.set_attn_implementation("eager")
            except Exception:  # an architecture without it: trace what it has
                continue
            changed.append((inner, before))
    try:
        yield
    finally:
        for inner, before in changed:
            with contextlib.suppress(Exception):
                inner.set_attn_implementation(before)


def _dimension(model: Any) -> int:
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def _export(model: Any, target: Path) -> list[str]:
    """Trace the model on one short text and write the graph; returns its input names."""
    import torch

    if getattr(model, "default_prompt_name", None):
        raise ExportFailed("the model puts a prompt before each text, which the export does not")
    preprocess = getattr(model, "preprocess", None) or model.tokenize  # tokenize before 6.0
    features = preprocess(["an example sentence to trace the model with"])
    tensors = {k: v for k, v in features.items() if isinstance(v, torch.Tensor)}
    names = [n for n in SUPPORTED_INPUTS if n in tensors]
    if "input_ids" not in names or set(tensors) - set(names):
        raise ExportFailed(
            f"the tokenizer gives inputs {sorted(tensors)} (supported: {', '.join(SUPPORTED_INPUTS)})"
        )

    class Forward(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: torch.Tensor) -> torch.Tensor:
            return self.model(dict(zip(names, args, strict=True)))["sentence_embedding"]

    axes: dict[str, dict[int, str]] = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["embedding"] = {0: "batch"}
    import warnings

    with warnings.catch_warnings(), torch.no_grad(), _eager_attention(model):
        warnings.simplefilter("ignore")  # the tracer's warnings about Python control flow
        torch.onnx.export(
            Forward().train(False),  # inference mode (dropout off)
            tuple(tensors[n] for n in names),
            str(target),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    return names
