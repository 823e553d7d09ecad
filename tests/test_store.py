from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.embedding import HashEmbedder
from bot.engine import CorpusBroken, open_engine, rebuild
from bot.index import (
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexMissing,
    IndexWriteError,
    build_index,
    build_lock,
    live_build,
    load_index,
)
from bot.index.dense import HNSW_EFFORT, HNSW_LARGE, HNSW_LARGE_EFFORT
from bot.index.dense import planned_search as _planned_search
from bot.index.load import CURRENT_FILE
from bot.index.manifest import FORMAT_VERSION
from bot.ranking.retriever import Retriever
from tests.conftest import ROOT, write_article, write_big_corpus


def _build(settings: Settings, embedder: HashEmbedder, **kw):
    return rebuild(settings, embedder, **kw)[0]


def test_build_then_load(settings: Settings, fake_embedder: HashEmbedder) -> None:
    report = _build(settings, fake_embedder)
    assert (report.articles, report.passages, report.reused) == (1, 10, 0)
    assert report.quotations == 19
    assert report.computed == report.passages + report.sentences + 2 * report.quotations
    index = load_index(settings.index_dir, model=fake_embedder.name)
    assert index.vectors.shape == (10, fake_embedder.dimension)
    manifest = json.loads((live_build(settings.index_dir) / "manifest.json").read_text())
    assert manifest["format"] == FORMAT_VERSION and manifest["model"] == "hash-256"
    assert manifest["normalized"] is True
    assert manifest["corpus"] == {
        "alice-marie-johnson-bustle.md": index.articles["alice-marie-johnson-bustle"].content_hash
    }
    assert not index.stale_report(settings.corpus_dir).stale


def test_second_build_computes_no_vectors(settings: Settings, fake_embedder: HashEmbedder) -> None:
    _build(settings, fake_embedder)
    first = np.array(load_index(settings.index_dir).vectors)
    fake_embedder.calls = 0
    report = _build(settings, fake_embedder)
    assert report.computed == 0 and fake_embedder.calls == 0
    assert report.reused == report.passages + report.sentences + 2 * report.quotations
    assert np.array_equal(np.array(load_index(settings.index_dir).vectors), first)
    # an unchanged corpus rebuilds nothing at all; --force builds anew, still embedding nothing
    assert report.unchanged and report.path == live_build(settings.index_dir)
    forced = _build(settings, fake_embedder, force=True)
    assert not forced.unchanged and forced.computed == 0 and forced.path != report.path
    assert fake_embedder.calls == 0


def test_changed_article_recomputes_only_its_passages(
    settings: Settings, fake_embedder: HashEmbedder
) -> None:
    write_article(
        settings.corpus_dir, "second.md", "First paragraph here.\n\nSecond paragraph, two. Sentences."
    )
    _build(settings, fake_embedder)
    write_article(settings.corpus_dir, "second.md", "First paragraph here.\n\nSecond paragraph changed.")
    fake_embedder.calls = 0
    report = _build(settings, fake_embedder)
    # one new passage and its one sentence; everything else reused
    assert report.computed == 2 == fake_embedder.calls


def test_stale_report(settings: Settings, fake_embedder: HashEmbedder) -> None:
    _build(settings, fake_embedder)
    seed = settings.corpus_dir / "alice-marie-johnson-bustle.md"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    write_article(settings.corpus_dir, "new.md", "Text.")
    report = load_index(settings.index_dir).stale_report(settings.corpus_dir)
    assert report.changed == ("alice-marie-johnson-bustle.md",)
    assert report.added == ("new.md",)
    assert "changed: alice-marie-johnson-bustle.md" in report.describe()
    _build(settings, fake_embedder)
    assert not load_index(settings.index_dir).stale_report(settings.corpus_dir).stale


def test_missing_index_and_model_mismatch(settings: Settings, fake_embedder: HashEmbedder) -> None:
    with pytest.raises(IndexMissing, match=r"bot\.reindex"):
        load_index(settings.index_dir)
    _build(settings, fake_embedder)
    with pytest.raises(IndexMismatch, match="hash-256"):
        load_index(settings.index_dir, model="all-MiniLM-L6-v2")


def test_format_version_mismatch(settings: Settings, fake_embedder: HashEmbedder) -> None:
    _build(settings, fake_embedder)
    manifest_path = live_build(settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="format"):
        load_index(settings.index_dir)


@pytest.mark.parametrize("damage", ["truncate-vectors", "garbage-passages", "no-manifest", "bad-pointer"])
def test_damaged_index_is_a_clear_error(settings: Settings, fake_embedder: HashEmbedder, damage: str) -> None:
    _build(settings, fake_embedder)
    build = live_build(settings.index_dir)
    if damage == "truncate-vectors":
        data = (build / "vectors.npy").read_bytes()
        (build / "vectors.npy").write_bytes(data[: len(data) // 2])
    elif damage == "garbage-passages":
        size = (build / "passages.npy").stat().st_size
        (build / "passages.npy").write_bytes(b"x" * size)
    elif damage == "no-manifest":
        (build / "manifest.json").unlink()
    else:
        (settings.index_dir / CURRENT_FILE).write_text("../../etc")
    with pytest.raises(IndexCorrupt, match=r"bot\.reindex"):
        load_index(settings.index_dir)


@pytest.mark.parametrize(
    ("column", "value"),
    [(3, 10**9), (2, -1), (0, 5), (1, 0), (4, 1)],  # end past the body, start < 0, no such article, ...
)
def test_passage_offsets_outside_their_article_are_refused(
    settings: Settings, fake_embedder: HashEmbedder, column: int, value: int
) -> None:
    """A passage's text is its article's body at its offsets: offsets that cannot be are refused,
    even when whoever changed them also fixed the manifest's checksums."""
    _build(settings, fake_embedder)
    build = live_build(settings.index_dir)
    rows = np.load(build / "passages.npy")
    rows[-1, column] = value
    np.save(build / "passages.npy", rows)
    _rehash(build, "passages.npy")
    with pytest.raises(IndexCorrupt, match=r"bot\.reindex"):
        load_index(settings.index_dir)


def test_a_quotation_that_is_not_its_article_text_is_refused(
    settings: Settings, fake_embedder: HashEmbedder
) -> None:
    _build(settings, fake_embedder)
    build = live_build(settings.index_dir)
    lines = (build / "quotations.jsonl").read_text().splitlines()
    record = json.loads(lines[0])
    record["text"] = record["text"] + " (edited)"
    (build / "quotations.jsonl").write_text("\n".join([json.dumps(record), *lines[1:]]) + "\n")
    _rehash(build, "quotations.jsonl")
    with pytest.raises(IndexCorrupt, match=r"quotation that is not in its article.*bot\.reindex"):
        load_index(settings.index_dir)


def test_articles_are_read_on_demand_and_survive_their_build_being_deleted(
    settings: Settings, fake_embedder: HashEmbedder
) -> None:
    import shutil

    from bot.index.tables import ArticleStore

    _build(settings, fake_embedder)
    index = load_index(settings.index_dir)
    store = index.articles
    assert isinstance(store, ArticleStore) and not store._kept  # nothing parsed beyond the contexts
    (doc_id,) = list(store)
    article = store[doc_id]
    context = " ".join(filter(None, (article.title, article.outlet, article.author)))
    assert store.contexts == [context] and int(store.lengths[0]) == len(article.body)
    assert article.outlet and article.outlet in context  # a passage's context: title, outlet, author
    shutil.rmtree(index.path)  # as a later rebuild removes old builds while a bot still serves this one
    store._kept.clear()
    answer = Retriever(index, fake_embedder).ask("What did the judge call Johnson?")
    assert answer.hits and all(h.is_verbatim() for h in answer.hits)
    with pytest.raises(KeyError):
        store["no-such-article"]


def test_sentence_kinds_are_stored_and_other_patterns_mean_a_rebuild(
    settings: Settings, fake_embedder: HashEmbedder
) -> None:
    from bot.answer_types import ANSWER_TYPES, sentence_types
    from bot.index import IndexFormatOutdated

    _build(settings, fake_embedder)
    index = load_index(settings.index_dir)
    expected = [
        sentence_types(index.articles[p.doc_id].body, s.start, s.end)
        for p in index.passages
        for s in p.sentences
    ]
    assert index.sentence_types.tolist() == expected and 0 < max(expected) < 1 << len(ANSWER_TYPES)
    # a build made when the patterns were different: the kinds it stores may be wrong
    _edit_manifest(index.path, lambda m: m.update(answer_types="0" * 16))
    with pytest.raises(IndexFormatOutdated, match=r"bot\.reindex"):
        load_index(settings.index_dir)
    fake_embedder.calls = 0
    engine = open_engine(settings, fake_embedder)
    assert engine.built is not None and engine.built.computed == 0 and fake_embedder.calls == 0
    assert engine.index.sentence_types.tolist() == expected


@pytest.mark.parametrize("rules", ["sentences", "term_rules"])
def test_a_build_made_under_older_sentence_or_term_rules_is_rebuilt_reusing_its_vectors(
    settings: Settings, fake_embedder: HashEmbedder, rules: str
) -> None:
    from bot.index import IndexFormatOutdated

    _build(settings, fake_embedder)
    _edit_manifest(
        load_index(settings.index_dir).path, lambda m: m.pop(rules)
    )  # as before the rules had a version (term rules: before British spellings were folded)
    with pytest.raises(IndexFormatOutdated, match="text analysis"):
        load_index(settings.index_dir)
    fake_embedder.calls = 0
    engine = open_engine(settings, fake_embedder)
    assert engine.built is not None and engine.built.computed == 0 and fake_embedder.calls == 0


def test_passages_are_made_from_the_article_text(settings: Settings, fake_embedder: HashEmbedder) -> None:
    from bot.chunking import make_passages

    _build(settings, fake_embedder)
    index = load_index(settings.index_dir)
    expected = [p for a in index.articles.values() for p in make_passages(a)]
    assert list(index.passages) == expected and index.passages[-1] == expected[-1]
    assert [index.passages.doc_id(i) for i in range(len(expected))] == [p.doc_id for p in expected]
    with pytest.raises(IndexError):
        index.passages[len(expected)]


def test_flipped_bytes_are_caught_by_the_checksum(settings: Settings, fake_embedder: HashEmbedder) -> None:
    _build(settings, fake_embedder)
    vectors = live_build(settings.index_dir) / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-100:-90] = b"\xff" * 10  # same size: only the checksum can tell
    vectors.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match=r"checksum.*bot\.reindex"):
        load_index(settings.index_dir)


def _rehash(build: Path, name: str) -> None:
    """Make the manifest agree with a file changed on purpose, as whoever changed it could."""
    from bot.checksums import file_hash as _file_hash

    _edit_manifest(
        build,
        lambda m: m["files"][name].update(
            bytes=(build / name).stat().st_size, sha256=_file_hash(build / name)
        ),
    )


def _edit_manifest(build: Path, edit) -> None:
    path = build / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda m: m["counts"].update(passages=3), IndexCorrupt),
        (lambda m: m.update(dimension="wide"), IndexCorrupt),
        (lambda m: m.update(files=[]), IndexCorrupt),
        (lambda m: m["files"]["vectors.npy"].update(sha256="0" * 64), IndexCorrupt),
        (lambda m: m["files"].update({"../../etc/passwd": {"bytes": 1, "sha256": "0"}}), IndexCorrupt),
        (lambda m: m.pop("counts"), IndexCorrupt),
        (lambda m: m.update(search="fast"), IndexCorrupt),
        (lambda m: m.update(model="another-model"), IndexMismatch),
        (lambda m: m.update(format=1), IndexMismatch),
    ],
)
def test_manifest_edited_by_hand(settings: Settings, fake_embedder: HashEmbedder, edit, error) -> None:
    _build(settings, fake_embedder)
    _edit_manifest(live_build(settings.index_dir), edit)
    with pytest.raises(error, match=r"bot\.reindex"):
        load_index(settings.index_dir, model=fake_embedder.name)


def test_a_damaged_live_build_gives_way_to_the_previous_one(
    settings: Settings, fake_embedder: HashEmbedder
) -> None:
    _build(settings, fake_embedder)
    previous = live_build(settings.index_dir)
    (settings.corpus_dir / "alice-marie-johnson-bustle.md").open("a").write("\nA new last paragraph.\n")
    _build(settings, fake_embedder)
    damaged = live_build(settings.index_dir)
    (damaged / "vectors.npy").write_bytes(b"\x93NUMPY broken")

    with pytest.raises(IndexCorrupt):
        load_index(settings.index_dir)  # strict by default (what /reload uses)
    engine = open_engine(settings, fake_embedder)  # what ask, quote and the bot use
    assert engine.index.path == previous
    assert (
        engine.index.warning
        and "bot.reindex" in engine.index.warning
        and previous.name in engine.index.warning
    )
    assert engine.stale.stale  # the older build does not have the new paragraph, and says so
    assert engine.retriever.ask("What did the judge call Johnson?").hits

    _build(settings, fake_embedder)  # the fix the message names
    fixed = open_engine(settings, fake_embedder)
    assert fixed.index.warning is None and not fixed.stale.stale
    assert fixed.index.path not in (previous, damaged)


@pytest.mark.parametrize(
    ("target", "code", "advice"),
    [
        ("save_npy", errno.ENOSPC, "free some disk space"),
        ("write_jsonl", errno.EROFS, "writable"),
        ("write_atomic", errno.EACCES, "writable"),
        ("write_keyword", errno.ENOSPC, "free some disk space"),
    ],
)
def test_a_failed_write_keeps_the_live_index(
    settings: Settings,
    fake_embedder: HashEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    code: int,
    advice: str,
) -> None:
    _build(settings, fake_embedder)
    before = live_build(settings.index_dir)
    (settings.corpus_dir / "alice-marie-johnson-bustle.md").open("a").write("\nA new last paragraph.\n")

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    import bot.index.build

    monkeypatch.setattr(bot.index.build, target, fail)
    with pytest.raises(IndexWriteError) as caught:
        _build(settings, fake_embedder)
    message = str(caught.value)
    assert os.strerror(code) in message and advice in message and "bot.reindex" in message
    assert "not changed" in message
    monkeypatch.undo()
    assert live_build(settings.index_dir) == before
    assert not [p for p in (settings.index_dir / "builds").iterdir() if p.name.startswith(".")]
    index = load_index(settings.index_dir)
    assert Retriever(index, fake_embedder).ask("What did the judge call Johnson?").hits
    assert _build(settings, fake_embedder).computed > 0  # the next build, with room, goes through


def test_broken_corpus_keeps_the_old_index(settings: Settings, fake_embedder: HashEmbedder) -> None:
    _build(settings, fake_embedder)
    before = live_build(settings.index_dir)
    (settings.corpus_dir / "broken.md").write_text("---\ntitle: x\npublished: soon\n---\nbody\n")
    with pytest.raises(CorpusBroken, match=r"broken\.md:3: published"):
        _build(settings, fake_embedder)
    assert live_build(settings.index_dir) == before
    assert load_index(settings.index_dir).passages
    report = _build(settings, fake_embedder, skip_bad=True)
    assert report.articles == 1
    manifest = load_index(settings.index_dir).manifest
    assert manifest["skipped"] == ["broken.md"]
    assert not load_index(settings.index_dir).stale_report(settings.corpus_dir).stale


def test_open_engine_builds_on_first_use(settings: Settings, fake_embedder: HashEmbedder) -> None:
    engine = open_engine(settings, fake_embedder)
    assert engine.built is not None and engine.built.passages == 10
    again = open_engine(settings, fake_embedder)
    assert again.built is None


def test_a_second_build_is_refused_while_one_runs(settings: Settings, fake_embedder: HashEmbedder) -> None:
    with build_lock(settings.index_dir), pytest.raises(IndexBusy):
        _build(settings, fake_embedder)


def test_old_builds_are_cleaned_but_the_previous_one_kept(
    settings: Settings, fake_embedder: HashEmbedder
) -> None:
    for _ in range(4):
        _build(settings, fake_embedder, force=True)
    builds = sorted(p.name for p in (settings.index_dir / "builds").iterdir())
    assert len(builds) == 2 and builds[-1] == live_build(settings.index_dir).name


def test_approximate_index_for_large_corpora(tmp_path: Path, fake_embedder: HashEmbedder) -> None:
    articles = write_big_corpus(tmp_path / "big")
    report = build_index(articles, fake_embedder, tmp_path / "index", ann_min_passages=100)
    assert report.search == "hnsw"
    index = load_index(tmp_path / "index")
    assert index.manifest["search"]["kind"] == "hnsw" and index.manifest["search"]["storage"] == "sq8"
    assert type(index.dense.faiss_index).__name__ == "IndexHNSWSQ"
    # the effort follows the corpus's size: a larger graph is built denser and searched wider
    assert index.manifest["search"]["ef_construction"] == HNSW_EFFORT[0]
    assert index.dense.faiss_index.hnsw.efSearch == HNSW_EFFORT[1]
    large = _planned_search(HNSW_LARGE, 100)
    assert (large["ef_construction"], large["ef_search"]) == HNSW_LARGE_EFFORT > HNSW_EFFORT
    assert index.sentence_vectors.dtype == np.float16 and index.vectors.dtype == np.float32
    answer = Retriever(index, fake_embedder).ask("item7x3 judge", k=3)
    assert answer.hits and answer.hits[0].passage.text.endswith("item7x3.")
    # its approximate search finds what exact search finds (the 8-bit codes lose little)
    exact = index.vectors @ fake_embedder.embed(["item7x3 judge"])[0]
    assert int(np.argmax(exact)) in index.nearest(fake_embedder.embed(["item7x3 judge"])[0], 10).tolist()
    # a build whose manifest describes other search settings is rebuilt, not kept
    again = build_index(articles, fake_embedder, tmp_path / "index", ann_min_passages=100)
    assert again.unchanged
    # as an HNSW build of the previous version said (float32 vectors in the graph)
    _edit_manifest(index.path, lambda m: m["search"].pop("storage"))
    rebuilt = build_index(articles, fake_embedder, tmp_path / "index", ann_min_passages=100)
    assert not rebuilt.unchanged and rebuilt.computed == 0


def test_the_graph_is_memory_mapped_and_must_hold_every_passage(
    tmp_path: Path, fake_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import faiss

    articles = write_big_corpus(tmp_path / "big", 6)
    build_index(articles, fake_embedder, tmp_path / "index", ann_min_passages=100)
    advised: list[int] = []
    if hasattr(os, "posix_fadvise"):
        monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: advised.append(advice))
    index = load_index(tmp_path / "index")
    graph = str(index.path / "ann.faiss")
    maps = Path("/proc/self/maps")
    if maps.exists():  # Linux: the graph's file is mapped, not copied (shared between processes)
        assert graph in maps.read_text()
        assert advised == [os.POSIX_FADV_WILLNEED]  # and read ahead into the page cache
    # the pages of the load-time scan were let go: articles still read back whole
    assert all(index.articles[a.doc_id].body == a.body for a in articles)
    # a graph of fewer vectors than passages (manifest made to agree) is refused
    small = faiss.IndexHNSWSQ(index.vectors.shape[1], faiss.ScalarQuantizer.QT_8bit, 8)
    small.train(np.asarray(index.vectors[:50]))
    small.add(np.asarray(index.vectors[:50]))
    del index
    faiss.write_index(small, graph)
    _rehash(Path(graph).parent, "ann.faiss")
    with pytest.raises(IndexCorrupt, match=r"vector index .* damaged .*50 vectors"):
        load_index(tmp_path / "index")


def test_a_build_embeds_a_chunk_at_a_time_with_the_same_vectors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.index.vectors

    class Batches(HashEmbedder):
        def embed(self, texts):
            self.largest = max(getattr(self, "largest", 0), len(texts))
            return super().embed(texts)

    articles = write_big_corpus(tmp_path / "big", 2)
    whole, chunked = Batches(), Batches()
    one = build_index(articles, whole, tmp_path / "one")
    monkeypatch.setattr(bot.index.vectors, "EMBED_CHUNK", 7)
    messages: list[str] = []
    build_index(articles, chunked, tmp_path / "many", progress=messages.append)
    assert whole.largest == one.computed > 7 and chunked.largest == 7 and chunked.calls == one.computed
    assert any(m.startswith("embedding texts 8-14 of ") for m in messages)
    a, b = load_index(tmp_path / "one"), load_index(tmp_path / "many")
    for name in ("vectors", "sentence_vectors", "quote_vectors", "quote_context_vectors"):
        assert np.array_equal(np.asarray(getattr(a, name)), np.asarray(getattr(b, name))), name


_KILL_SCRIPT = """
import sys, time
from pathlib import Path
from bot.corpus import load_corpus
from bot.embedding import HashEmbedder
from bot.index import build_index

class Slow(HashEmbedder):
    def embed(self, texts):
        time.sleep(0.02 * len(texts))
        return super().embed(texts)

print("start", flush=True)
build_index(load_corpus(Path(sys.argv[1])).articles, Slow(), Path(sys.argv[2]))
print("done", flush=True)
"""


def test_reindex_killed_at_any_moment_leaves_a_working_index(
    settings: Settings, fake_embedder: HashEmbedder
) -> None:
    _build(settings, fake_embedder)
    seed = settings.corpus_dir / "alice-marie-johnson-bustle.md"
    original = seed.read_text(encoding="utf-8")
    rng = random.Random(1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outcomes = set()
    for attempt in range(10):
        # change every paragraph so that the build must embed everything again
        seed.write_text(original.replace(".", f". ({attempt})", 40), encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-c", _KILL_SCRIPT, str(settings.corpus_dir), str(settings.index_dir)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.0, 1.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = load_index(settings.index_dir)
        answer = Retriever(index, fake_embedder).ask("What did the judge call Johnson?")
        assert answer.hits and all(h.is_verbatim() for h in answer.hits)
        outcomes.add(index.stale_report(settings.corpus_dir).stale)
    assert outcomes == {True, False}, "kills should land both before and after the swap"


@pytest.mark.parametrize("older", [2, 3, 4])
def test_an_older_format_is_rebuilt_reusing_its_vectors(
    settings: Settings, fake_embedder: HashEmbedder, older: int
) -> None:
    from bot.checksums import file_hash as _file_hash

    _build(settings, fake_embedder)
    build = live_build(settings.index_dir)
    index = load_index(settings.index_dir)
    # before format 4 the passages were JSON lines holding their text
    records = [
        {
            "doc_id": p.doc_id,
            "paragraph": p.paragraph,
            "start": p.start,
            "end": p.end,
            "text": p.text,
            "sentences": [[s.start, s.end] for s in p.sentences],
            "sentence_row": int(index.passages.sentence_rows[i]),
            "hash": "unused",
        }
        for i, p in enumerate(index.passages)
    ]
    (build / "passages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    def to_older(m: dict) -> None:
        m["format"] = older
        gone = ["sentence_types.npy"]  # new in format 5
        if older <= 3:
            gone += ["passages.npy", "sentence_spans.npy"]
            m["files"]["passages.jsonl"] = {
                "bytes": (build / "passages.jsonl").stat().st_size,
                "sha256": _file_hash(build / "passages.jsonl"),
            }
        if older == 2:
            gone += ["sentence_terms.npy", "sentence_term_rows.npy"]
        for name in gone:
            m["files"].pop(name)
            (build / name).unlink()

    _edit_manifest(build, to_older)
    with pytest.raises(IndexMismatch, match=f"format {older}"):
        load_index(settings.index_dir)
    fake_embedder.calls = 0
    engine = open_engine(settings, fake_embedder)  # what ask, quote and the bot do: rebuild it
    assert engine.built is not None and engine.built.computed == 0 and fake_embedder.calls == 0
    assert engine.index.manifest["format"] == FORMAT_VERSION
    assert list(engine.index.passages) == list(index.passages)
    assert engine.retriever.ask("What did the judge call Johnson?").hits
