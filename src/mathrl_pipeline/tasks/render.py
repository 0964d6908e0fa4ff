"""Render a table's rows to images with :mod:`mathrl_pipeline.rendering` (one loop for every task).

The input frame has ``id``, ``render_text`` and ``render_mode`` (``text`` or ``display``), and
optionally ``font_size_pt`` (rows are rendered in groups of one font size). Rendered rows get
``image`` (a ``datasets.Image`` cell), ``image_width``, ``image_height`` and ``render_repairs``
(the render inputs are dropped, ``font_size_pt`` is kept);
a row that fails is a reject of stage ``render:<renderer stage>`` with the renderer's reason.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.rendering import RenderConfig, RenderItem, RenderResult, render_items
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.rejects import Reject, rejects_frame

logger = logging.getLogger(__name__)

RENDER_FAILED = "render_failed"
RENDER_INPUT = ("render_text", "render_mode")


def _render_groups(frame: pd.DataFrame, config: RenderConfig) -> dict[str, RenderResult]:
    """Results by row id, one ``render_items`` call per font size."""
    results: dict[str, RenderResult] = {}
    sizes = frame["font_size_pt"] if "font_size_pt" in frame.columns else None
    groups = [(config, frame)] if sizes is None else [
        (config.model_copy(update={"font_size_pt": int(size)}), group)
        for size, group in frame.groupby(sizes, sort=True)
    ]
    with tempfile.TemporaryDirectory(prefix="mathrl-render-") as workdir:
        for group_config, group in groups:
            items = [RenderItem(id=i, text=t, mode=m) for i, t, m in
                     zip(group["id"], group["render_text"], group["render_mode"], strict=True)]
            for result in render_items(items, group_config, Path(workdir)):
                results[result.id] = result
    return results


def render_frame(frame: pd.DataFrame, config: RenderConfig) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                     dict[str, Any]]:
    """Render every row; returns (rendered rows, rejects, report with counts and timings)."""
    missing = [c for c in ("id", *RENDER_INPUT) if c not in frame.columns]
    if missing:
        raise ValueError(f"render: the rows lack columns {missing}")
    start = time.perf_counter()
    results = _render_groups(frame, config)
    seconds = time.perf_counter() - start
    cells, widths, heights, repairs, ok = [], [], [], [], []
    rejects: list[Reject] = []
    reasons: dict[str, int] = {}
    for row_id in frame["id"]:
        result = results[row_id]
        good = result.ok and result.png is not None
        ok.append(good)
        cells.append(image_cell(result.png) if good else None)
        widths.append(int(result.width or 0))
        heights.append(int(result.height or 0))
        repairs.append(list(result.repairs))
        if not good:
            stage = result.stage or "latex"
            first_line = (result.reason or "render failed").splitlines()[0][:200]
            rejects.append(Reject(row_id, f"render:{stage}", RENDER_FAILED, first_line))
            key = f"{stage}: {first_line[:120]}"
            reasons[key] = reasons.get(key, 0) + 1
    rendered = frame.drop(columns=list(RENDER_INPUT))
    rendered = rendered.assign(image=cells, image_width=widths, image_height=heights,
                               render_repairs=repairs).loc[ok].reset_index(drop=True)
    total = len(frame)
    report = {
        "items": total,
        "rendered": len(rendered),
        "rejected": total - len(rendered),
        "render_rate": len(rendered) / total if total else None,
        "repaired": sum(1 for r in repairs if r),
        "seconds": round(seconds, 3),
        "images_per_second": round(total / seconds, 2) if seconds > 0 else None,
        "workers": config.workers,
        "batch_size": config.batch_size,
        "dpi": config.dpi,
        "max_width": config.max_width,
        "reject_reasons": reasons,
    }
    logger.info("render: %d/%d rendered in %.1fs", len(rendered), total, seconds)
    return rendered, rejects_frame(rejects), report
