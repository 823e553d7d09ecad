"""The seconds of each stage of a question (python -m bot.bench reads them)."""

from __future__ import annotations

import time


class Clock:
    """Adds the seconds since the last lap to ``timings[name]`` (a no-op without timings)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
            self.last = now
