"""Progress of long stages: periodic log lines when output is not a terminal, a bar in one."""

from __future__ import annotations

import io
import logging
import re

import pandas as pd
import pytest

from mathrl_pipeline import progress as progress_module
from mathrl_pipeline.progress import ProgressLog

LINE = re.compile(r"(\w[\w :()]*): (\d+)/(\d+) (\w+) \([\d.]+%\), [\d.]+ \w+/s, \d+s elapsed, "
                  r"ETA (\d+|nan)s")


def progress_lines(caplog: pytest.LogCaptureFixture, label: str) -> list[re.Match[str]]:
    matches = [LINE.fullmatch(r.getMessage()) for r in caplog.records]
    return [m for m in matches if m and m.group(1) == label]


def test_log_lines_every_interval_then_a_final_one(caplog: pytest.LogCaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: now[0])
    caplog.set_level(logging.INFO)
    with ProgressLog(10, "stage", interval_s=3, bar=False) as progress:
        for _ in range(10):
            now[0] += 1  # one item a second
            progress.update()
    lines = progress_lines(caplog, "stage")
    assert [int(m.group(2)) for m in lines] == [3, 6, 9, 10]  # every 3 s, then the end
    assert lines[-1].group(5) == "0"


def test_terminal_shows_a_bar_and_a_final_line(caplog: pytest.LogCaptureFixture,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    caplog.set_level(logging.INFO)
    with ProgressLog(4, "stage", interval_s=0, bar=True) as progress:
        for _ in range(4):
            progress.update()
    assert "stage:" in stream.getvalue() and "/4 [" in stream.getvalue()  # tqdm's bar
    assert [int(m.group(2)) for m in progress_lines(caplog, "stage")] == [4]  # no line per step


def test_rendering_logs_progress(caplog: pytest.LogCaptureFixture,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from mathrl_pipeline.rendering import RenderConfig
    from mathrl_pipeline.tasks import render

    monkeypatch.setattr(render, "CHUNK_BATCHES", 1)
    caplog.set_level(logging.INFO)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(6)],
                          "render_text": [f"{i} + {i}" for i in range(6)],
                          "render_mode": ["display"] * 6})
    rendered, _, _ = render.render_frame(frame, RenderConfig(batch_size=2, workers=1))
    assert len(rendered) == 6
    assert [int(m.group(2)) for m in progress_lines(caplog, "render")] == [2, 4, 6]
