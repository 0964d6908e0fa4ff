"""Progress of long stages (ingestion, rendering, pre-training, evaluation): a tqdm bar in a
terminal, log lines otherwise.

In a terminal (stderr is a TTY) a ``tqdm`` bar shows count, rate and ETA. When output goes to a
file or a pipe (CI, ``nohup``, a scheduler's log), a bar would be one unreadable line, so a log
line ``<label>: 120/400 items (30.0%), 4.1 items/s, 29s elapsed, ETA 68s`` is written at most
every ``interval_s`` seconds, and once at the end.
"""

from __future__ import annotations

import logging
import sys
import time
from types import TracebackType
from typing import Any

LOG_INTERVAL_S = 30.0  # seconds between progress log lines when output is not a terminal


def _is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressLog:
    """Count work done; show it as a bar (terminal) or periodic log lines (see module doc).

    Use as a context manager, calling :meth:`update` after each piece of work.
    """

    def __init__(self, total: int | None, label: str, *, unit: str = "items",
                 interval_s: float | None = None, logger: logging.Logger | None = None,
                 bar: bool | None = None) -> None:
        self.total = None if total is None else int(total)  # None: not known in advance
        self.label, self.unit = label, unit
        self.interval_s = LOG_INTERVAL_S if interval_s is None else interval_s
        self.logger = logger or logging.getLogger(__name__)
        self.done = 0
        self.start = self._last = time.perf_counter()
        self._bar: Any = None
        if _is_terminal() if bar is None else bar:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, desc=label, unit=unit.rstrip("s") or "it",
                             leave=False, dynamic_ncols=True)

    def __enter__(self) -> ProgressLog:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close(log=kind is None)

    def line(self) -> str:
        """The progress line: done/total, percentage, rate, elapsed and the time left."""
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total is None:
            return (f"{self.label}: {self.done} {self.unit}, {rate:.1f} {self.unit}/s, "
                    f"{elapsed:.0f}s elapsed")
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        return (f"{self.label}: {self.done}/{self.total} {self.unit} "
                f"({100 * self.done / max(self.total, 1):.1f}%), {rate:.1f} {self.unit}/s, "
                f"{elapsed:.0f}s elapsed, ETA {left:.0f}s")

    def update(self, count: int = 1) -> None:
        """Count ``count`` more; a log line when ``interval_s`` has passed (no terminal)."""
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
            return
        now = time.perf_counter()
        if now - self._last >= self.interval_s and (self.total is None or self.done < self.total):
            self._last = now
            self.logger.info(self.line())

    def close(self, log: bool = True) -> None:
        """Close the bar; log the final line (also in a terminal, where the bar disappears)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if log:
            self.logger.info(self.line())
