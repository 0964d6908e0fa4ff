"""Render a table's rows to images with :mod:`mathrl_pipeline.rendering` (one loop for every task).

The input frame has ``id``, ``render_text`` and ``render_mode`` (``text`` or ``display``), and
optionally ``font_size_pt`` (rows are rendered in groups of one font size). Rendered rows get
``image`` (a ``datasets.Image`` cell), ``image_width``, ``image_height`` and ``render_repairs``
(the render inputs are dropped, ``font_size_pt`` is kept); a row that fails is a reject of stage
``render:<renderer stage>`` with the renderer's reason. A row whose ``render_text`` is empty and
that already has an ``image`` (latex_ocr on a dataset's own images) passes through unrendered.
Rows are rendered in chunks, with progress (rate and ETA) after each: a bar in a terminal, a log
line otherwise (:mod:`mathrl_pipeline.progress`).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.progress import ProgressLog
from mathrl_pipeline.rendering import RenderConfig, RenderItem, RenderResult, render_items
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.rejects import NoRowsLeftError, Reject, rejects_frame

logger = logging.getLogger(__name__)

RENDER_FAILED = "render_failed"
RENDER_INPUT = ("render_text", "render_mode")
CHUNK_BATCHES = 16  # a progress line every workers x batch_size x CHUNK_BATCHES items


def _chunks(frame: pd.DataFrame, config: RenderConfig) -> list[tuple[RenderConfig, pd.DataFrame]]:
    """(config, rows) pieces: one font size each, at most a progress chunk long."""
    size = max(1, config.workers * config.batch_size * CHUNK_BATCHES)
    sizes = frame["font_size_pt"] if "font_size_pt" in frame.columns else None
    groups = [(config, frame)] if sizes is None else [
        (config.model_copy(update={"font_size_pt": int(font)}), group)
        for font, group in frame.groupby(sizes, sort=True)
    ]
    return [(cfg, group.iloc[start:start + size]) for cfg, group in groups
            for start in range(0, len(group), size)]


def _render_chunks(frame: pd.DataFrame, config: RenderConfig) -> dict[str, RenderResult]:
    """Results by row id, chunk by chunk with a progress line after each."""
    results: dict[str, RenderResult] = {}
    with (tempfile.TemporaryDirectory(prefix="mathrl-render-") as workdir,
          ProgressLog(len(frame), "render", interval_s=0, logger=logger) as progress):
        for chunk_config, chunk in _chunks(frame, config):
            items = [RenderItem(id=i, text=t, mode=m) for i, t, m in
                     zip(chunk["id"], chunk["render_text"], chunk["render_mode"], strict=True)]
            for result in render_items(items, chunk_config, Path(workdir)):
                results[result.id] = result
            progress.update(len(items))
    return results


def _needs_render(frame: pd.DataFrame) -> pd.Series:
    """Rows to render: all, except those with no text and an image already (passed through)."""
    if "image" not in frame.columns:
        return pd.Series(True, index=frame.index)
    has_text = frame["render_text"].map(lambda t: isinstance(t, str) and bool(t))
    return has_text | frame["image"].isna()


def render_frame(frame: pd.DataFrame, config: RenderConfig) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                     dict[str, Any]]:
    """Render every row; returns (rendered rows, rejects, report with counts and timings)."""
    missing = [c for c in ("id", *RENDER_INPUT) if c not in frame.columns]
    if missing:
        raise ValueError(f"render: the rows lack columns {missing}")
    todo = _needs_render(frame)
    start = time.perf_counter()
    results = _render_chunks(frame.loc[todo], config)
    seconds = time.perf_counter() - start
    ok: list[bool] = []
    rejects: list[Reject] = []
    for row_id, render in zip(frame["id"], todo, strict=True):
        result = results.get(row_id) if render else None
        good = not render or (result is not None and result.ok and result.png is not None)
        ok.append(good)
        if not good and result is not None:
            stage = result.stage or "latex"
            first_line = (result.reason or "render failed").splitlines()[0][:200]
            rejects.append(Reject(row_id, f"render:{stage}", RENDER_FAILED, first_line))
    rendered = _with_images(frame, todo, results).loc[ok].reset_index(drop=True)
    report = _report(len(frame), int(todo.sum()), rendered, rejects, seconds=seconds,
                     config=config)
    if int(todo.sum()) and not report["rendered_here"]:
        top = Counter(r.detail for r in rejects).most_common(3)
        raise NoRowsLeftError(f"render: none of the {int(todo.sum())} rows rendered; most common "
                              f"reasons: {top}")
    logger.info("render: %d/%d rendered in %.1fs", report["rendered_here"], report["items"],
                seconds)
    return rendered, rejects_frame(rejects), report


def _with_images(frame: pd.DataFrame, todo: pd.Series,
                 results: dict[str, RenderResult]) -> pd.DataFrame:
    """``frame`` with the rendered images (and sizes, repairs) in place of the render inputs."""
    out = frame.drop(columns=list(RENDER_INPUT))
    cells, widths, heights, repairs = [], [], [], []
    old_cells = frame["image"] if "image" in frame.columns else [None] * len(frame)
    old_w = frame["image_width"] if "image_width" in frame.columns else [None] * len(frame)
    old_h = frame["image_height"] if "image_height" in frame.columns else [None] * len(frame)
    for row_id, render, cell, width, height in zip(frame["id"], todo, old_cells, old_w, old_h,
                                                   strict=True):
        result = results.get(row_id) if render else None
        good = result is not None and result.ok and result.png is not None
        cells.append(image_cell(result.png) if good else (None if render else cell))
        widths.append(int(result.width or 0) if render else int(width or 0))
        heights.append(int(result.height or 0) if render else int(height or 0))
        repairs.append(list(result.repairs) if result is not None else [])
    return out.assign(image=cells, image_width=widths, image_height=heights,
                      render_repairs=repairs)


def _report(rows: int, total: int, rendered: pd.DataFrame, rejects: list[Reject], *,
            seconds: float, config: RenderConfig) -> dict[str, Any]:
    """Counts, render rate, timings and reject reasons of one render stage (``total`` of the
    ``rows`` needed rendering; the others came with their images)."""
    passed = rows - total
    done = len(rendered) - passed
    reasons = Counter(f"{r.stage.removeprefix('render:')}: {r.detail[:120]}" for r in rejects)
    return {
        "items": total,
        "rendered": len(rendered),
        "rendered_here": done,
        "from_dataset": passed,
        "rejected": total - done,
        "render_rate": done / total if total else None,
        "repaired": int(sum(1 for r in rendered["render_repairs"] if len(r))),
        "seconds": round(seconds, 3),
        "images_per_second": round(total / seconds, 2) if seconds > 0 and total else None,
        "images_per_second_per_worker": (round(total / seconds / config.workers, 2)
                                         if seconds > 0 and total else None),
        "workers": config.workers,
        "batch_size": config.batch_size,
        "dpi": config.dpi,
        "max_width": config.max_width,
        "reject_reasons": dict(reasons),
    }
