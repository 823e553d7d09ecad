"""Soak: thousands of questions through the real bot and the fake Discord, 20 at a time.

CI runs a reduced soak (CASEBOT_SOAK_QUESTIONS, default 300); the full one is

    CASEBOT_SOAK_QUESTIONS=2000 .venv/bin/python -m pytest tests/test_soak.py -s

Every interaction must be acknowledged in time and answered (a quoted answer, a plain
"the sources do not answer", or quotations), the bot's resident memory may not grow by more
than MEMORY_GROWTH_MB after warm-up, and the latency percentiles are printed (and written to
CASEBOT_SOAK_REPORT when set).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.replies import NOT_ANSWERED
from tests.conftest import ROOT
from tests.fake_discord import Interaction
from tests.test_discord import Harness, running_bot

QUESTIONS = int(os.environ.get("CASEBOT_SOAK_QUESTIONS", "300"))
CONCURRENCY = 20
WARM_UP = 60
MEMORY_GROWTH_MB = 64  # over the whole soak, after warm-up


def _workload() -> Iterator[tuple[str, dict[str, Any]]]:
    rows = [
        json.loads(x) for x in (ROOT / "tests" / "data" / "questions.jsonl").read_text().splitlines() if x
    ]
    hostile = [
        "@everyone {q}",
        "**{q}**",
        "<@123456789012345678> {q}",
        "{q} ||spoiler|| [x](https://e.example)",
    ]
    for n in itertools.count():
        row = rows[n % len(rows)]
        if row["kind"] == "quote":
            options = {"query": row["query"]} if n % 2 else {"speaker": row["speaker_contains"][0]}
            yield "quote", options
        else:
            question = row["question"]
            if n % 7 == 0:
                question = hostile[(n // 7) % len(hostile)].format(q=question)
            yield "ask", {"question": question}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _complete(command: str, inter: Interaction) -> bool:
    if inter.rejected or not inter.followups or inter.acked_at is None:
        return False
    reply = inter.followups[0]
    if reply.get("allowed_mentions") != {"parse": []}:
        return False
    if command == "quote":
        return bool(reply["embeds"]) or "No quotation" in reply["content"]
    if NOT_ANSWERED in (reply.get("content") or ""):
        return True
    return bool(reply["embeds"]) and "**" in reply["embeds"][0]["description"]


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with running_bot(tmp_path_factory.mktemp("soak")) as h:
        yield h


def _drive(harness: Harness, work: list[tuple[str, dict[str, Any]]], first_user: int) -> list[Interaction]:
    async def run() -> list[Interaction]:
        gate = asyncio.Semaphore(CONCURRENCY)
        users = itertools.count(first_user)

        async def one(command: str, options: dict[str, Any]) -> Interaction:
            async with gate:
                inter = await harness.fake.command(command, options, user_id=str(next(users)))
                await asyncio.wait_for(inter.done.wait(), 120)
                return inter

        return list(await asyncio.gather(*(one(c, o) for c, o in work)))

    return harness.run(run(), timeout=60 + 2 * len(work))


def test_soak(harness: Harness) -> None:
    assert harness.proc is not None
    workload = _workload()
    warm_work = list(itertools.islice(workload, WARM_UP))
    warm = _drive(harness, warm_work, 820000000000000000)
    failed = [(c, o, i.messages()) for (c, o), i in zip(warm_work, warm, strict=True) if not _complete(c, i)]
    assert not failed, failed[:3]
    before = _rss_mb(harness.proc.pid)

    work = list(itertools.islice(workload, QUESTIONS))
    inters = _drive(harness, work, 830000000000000000)
    after = _rss_mb(harness.proc.pid)

    failed = [(c, o, i.messages()) for (c, o), i in zip(work, inters, strict=True) if not _complete(c, i)]
    assert not failed, failed[:5]
    latencies = sorted((i.done_at - i.sent_at) * 1000 for i in inters if i.done_at is not None)
    acks = sorted((i.acked_at - i.sent_at) * 1000 for i in inters if i.acked_at is not None)

    def pct(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))]

    report = {
        "questions": len(inters),
        "concurrency": CONCURRENCY,
        "answer_ms": {
            "p50": pct(latencies, 0.5),
            "p95": pct(latencies, 0.95),
            "p99": pct(latencies, 0.99),
            "max": latencies[-1],
            "mean": statistics.fmean(latencies),
        },
        "ack_ms": {"p50": pct(acks, 0.5), "p99": pct(acks, 0.99), "max": acks[-1]},
        "rss_mb": {
            "after_warm_up": round(before, 1),
            "after_soak": round(after, 1),
            "growth": round(after - before, 1),
        },
    }
    print("\nsoak:", json.dumps(report, indent=2))
    if os.environ.get("CASEBOT_SOAK_REPORT"):
        Path(os.environ["CASEBOT_SOAK_REPORT"]).write_text(json.dumps(report, indent=2) + "\n")
    assert len(latencies) == len(inters)
    assert acks[-1] < 3000
    assert after - before < MEMORY_GROWTH_MB, report
    tail = harness.log()[harness.ready_at_log :]
    assert "Traceback" not in tail and "could not" not in tail, tail[-3000:]
