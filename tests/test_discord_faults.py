"""Faults around Discord, injected by the fake: the bot keeps answering and leaves nothing hanging.

Each test drives the real bot process (python -m bot) against the fake Discord and checks what
the user sees: the answer, or a short error in place of "thinking...", never silence.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Iterator

import pytest

from bot.discord_app.delivery import NOT_DELIVERED
from tests.fake_discord import Interaction
from tests.test_discord import TOKEN, Harness, running_bot

QUESTION = "What did the judge call Johnson?"
ANSWER = "quintessential entrepreneur"
SEND_TIMEOUT = 3.0
_users = (f"8100000000000{n:05d}" for n in itertools.count())


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with running_bot(tmp_path_factory.mktemp("faults"), CASEBOT_SEND_TIMEOUT=str(SEND_TIMEOUT)) as h:
        yield h


@pytest.fixture(autouse=True)
def _no_leftover_faults(harness: Harness) -> Iterator[None]:
    yield
    harness.fake.faults.clear()


def _ask(harness: Harness, **kw: object) -> Interaction:
    return harness.ask(QUESTION, user_id=next(_users), **kw)


def _answered(inter: Interaction) -> bool:
    return any(ANSWER in e.get("description", "") for m in inter.messages() for e in m.get("embeds") or [])


def _wait_for_log(harness: Harness, text: str, since: int, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tail = harness.log()[since:]
        if text in tail:
            return tail
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged:\n{harness.log()[since:][-3000:]}")


def _still_answers(harness: Harness) -> None:
    inter = _ask(harness)
    assert _answered(inter) and inter.rejected == []


def test_gateway_drop_mid_answer_resumes_and_keeps_answering(harness: Harness) -> None:
    fake = harness.fake
    resumes = fake.resumes

    async def ask_then_drop() -> Interaction:
        inter = await fake.command("ask", {"question": QUESTION}, user_id=next(_users))
        await fake.drop_gateway(resumable=True)
        await asyncio.wait_for(inter.done.wait(), 60)
        return inter

    inter = harness.run(ask_then_drop())
    assert _answered(inter)  # the answer goes over REST, untouched by the gateway
    harness.run(asyncio.wait_for(fake.identified.wait(), 60))
    assert fake.resumes == resumes + 1
    _still_answers(harness)


def test_gateway_drop_without_resume_identifies_again(harness: Harness) -> None:
    fake = harness.fake
    identifies = fake.identifies
    harness.run(fake.drop_gateway(resumable=False))
    harness.run(asyncio.wait_for(fake.identified.wait(), 60))
    assert fake.identifies == identifies + 1
    fake.resumable = True
    _still_answers(harness)


@pytest.mark.parametrize(
    ("route", "fault"),
    [
        ("followup", ("ratelimit", 0.5)),  # 429 with retry-after: waited out, then sent
        ("followup", ("status", 500)),  # one server error: sent on the retry
        ("followup", ("status", 502)),
        ("callback", ("status", 500)),  # even the acknowledgement, within Discord's 3 s
    ],
)
def test_passing_faults_still_deliver_the_answer(
    harness: Harness, route: str, fault: tuple[str, float]
) -> None:
    harness.fake.inject(route, fault)
    inter = _ask(harness)
    assert (route, f"{fault[0]} {fault[1]}") in harness.fake.fault_log
    assert _answered(inter) and inter.rejected == []


@pytest.mark.parametrize(
    "faults",
    [
        [("status", 500)] * 20,  # Discord keeps failing the follow-up
        [("hang", 8.0)],  # the follow-up gets no answer at all
        [("status", 400)],  # Discord refuses it outright
    ],
    ids=["500-forever", "timeout", "refused"],
)
def test_failed_answer_is_replaced_by_a_short_error(
    harness: Harness, faults: list[tuple[str, float]]
) -> None:
    harness.fake.inject("followup", *faults)
    started = time.monotonic()
    inter = _ask(harness)
    # "thinking..." was replaced with a short message within the send timeout (plus slack)
    assert inter.original is not None and inter.original["content"] == NOT_DELIVERED
    assert not inter.followups and time.monotonic() - started < SEND_TIMEOUT + 6
    harness.fake.faults.clear()
    _still_answers(harness)


def test_interaction_expired_before_the_bot_could_acknowledge(harness: Harness) -> None:
    since = len(harness.log())

    async def late() -> Interaction:
        return await harness.fake.command("ask", {"question": QUESTION}, user_id=next(_users), age=3.5)

    inter = harness.run(late())
    tail = _wait_for_log(harness, "could not acknowledge", since)
    assert "10062" in tail and "Traceback" not in tail
    assert inter.acked_at is None and not inter.followups
    _still_answers(harness)


def test_interaction_token_expired_before_the_answer(harness: Harness) -> None:
    since = len(harness.log())

    async def expired() -> Interaction:
        return await harness.fake.command(
            "ask", {"question": QUESTION}, user_id=next(_users), token_expired=True
        )

    inter = harness.run(expired())
    tail = _wait_for_log(harness, "could not tell the user either", since)
    assert "50027" in tail and "expired" in tail and "Traceback" not in tail
    assert inter.acked_at is not None and not inter.followups and inter.original is None
    _still_answers(harness)


def test_no_traceback_and_no_blocked_loop_after_all_faults(harness: Harness) -> None:
    after_ready = harness.log()[harness.ready_at_log :]
    assert "Traceback" not in after_ready, after_ready[-3000:]
    assert TOKEN not in harness.log()  # not even in the fault reports
    assert not re.findall(r"Executing .* took (\d+\.\d+) seconds", after_ready), after_ready[-3000:]
