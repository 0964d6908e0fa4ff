"""Progress of long stages: periodic log lines when output is not a terminal, a bar in one."""

from __future__ import annotations

import io
import logging
import re

import pandas as pd
import pytest

from mathrl_pipeline import progress as progress_module
from mathrl_pipeline.progress import ProgressLog

LINE = re.compile(r"(\w[\w :()-]*): (\d+)/(\d+) (\w+) \([\d.]+%\), [\d.]+ \w+/s, \d+s elapsed, "
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


def test_ingestion_logs_rows_read_against_the_parquet_footers(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from mathrl_pipeline.tasks import ingest
    from mathrl_pipeline.tasks.ingest import SourceParams, load_rows
    from tests.fixtures import hub_layouts as hub

    monkeypatch.setattr(ingest, "PROGRESS_SECONDS", 0)  # a line after every batch
    folder = hub.write_deepmath_mirror(tmp_path / "dm", hub.deepmath_rows(20), shards=2)
    caplog.set_level(logging.INFO)
    rows, _ = load_rows(pd.DataFrame(), SourceParams(path=str(folder)), "deepmath")
    assert len(rows) == 20
    lines = progress_lines(caplog, "ingest")
    assert [int(m.group(3)) for m in lines] == [20] * len(lines)  # the total, from the footers
    assert [int(m.group(2)) for m in lines] == [10, 20]  # one shard, then the end


def test_pretraining_shows_its_steps(caplog: pytest.LogCaptureFixture) -> None:
    from types import SimpleNamespace

    from mathrl_pipeline.training.callbacks import StepProgress

    caplog.set_level(logging.INFO)
    callback = StepProgress("pre-train", interval_s=0)
    state = SimpleNamespace(max_steps=3, global_step=0, is_world_process_zero=True)
    callback.on_train_begin(None, state, None)
    for step in (1, 2, 3):
        state.global_step = step
        callback.on_step_end(None, state, None)
    callback.on_train_end(None, state, None)
    assert [int(m.group(2)) for m in progress_lines(caplog, "pre-train")] == [1, 2, 3]
