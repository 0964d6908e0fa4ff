"""One batch: one pdflatex run, one rasterisation; bad items isolated by splitting."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import RenderConfig
from .document import Piece, build_document
from .latex import TexRun, run_pdflatex
from .model import RenderResult, reject
from .rasterize import budget_problem, finish, rasterize_pages

logger = logging.getLogger(__name__)

# Overfull lines narrower than this are invisible at any sensible dpi.
_OVERFULL_TOLERANCE_PT = 1.0


@dataclass(frozen=True)
class Prepared:
    """An item that passed repair and refusal rules, ready for TeX."""

    index: int
    id: str
    body: str
    mode: str
    repairs: tuple[str, ...]


def render_batch(
    group: Sequence[Prepared], config: RenderConfig, workdir: Path
) -> list[tuple[int, RenderResult]]:
    """Render a batch; every item gets a result, whatever the others do."""
    results: dict[int, RenderResult] = {}
    _render_group(list(group), config, workdir, results, widths={})
    return [(p.index, results[p.index]) for p in group]


def _split_points(group: list[Prepared], run: TexRun) -> list[list[Prepared]]:
    """Where to cut a failed group: around the item the log blames, else in halves."""
    k = run.last_marker
    if run.error and not run.timed_out and k is not None and 0 <= k < len(group):
        parts = [group[:k], [group[k]], group[k + 1 :]]
    else:
        middle = len(group) // 2
        parts = [group[:middle], group[middle:]]
    return [part for part in parts if part]


def _render_group(
    group: list[Prepared],
    config: RenderConfig,
    workdir: Path,
    results: dict[int, RenderResult],
    widths: dict[int, float],
) -> None:
    complete, widen = False, {}
    batch_dir = Path(tempfile.mkdtemp(prefix="batch-", dir=workdir))
    try:
        pieces = [
            Piece(p.index, p.body, p.mode, widths.get(p.index, config.line_width_pt)) for p in group
        ]
        run = run_pdflatex(build_document(pieces, config.font_size_pt), batch_dir, config.timeout_s)
        complete = run.ok and run.pages == len(group) and len(run.dims) == len(group)
        if complete:
            widen = {
                p.index: widths.get(p.index, config.line_width_pt) + over + 2.0
                for i, p in enumerate(group)
                if p.mode == "text"
                and p.index not in widths
                and (over := run.overfull.get(i, 0.0)) > _OVERFULL_TOLERANCE_PT
            }
            keep = [(i, p) for i, p in enumerate(group) if p.index not in widen]
            _rasterize_group(keep, run, config, results)
    finally:
        shutil.rmtree(batch_dir, ignore_errors=True)

    if complete:
        if widen:
            logger.debug("re-rendering %d overfull item(s) with wider boxes", len(widen))
            again = [p for p in group if p.index in widen]
            _render_group(again, config, workdir, results, {**widths, **widen})
        return
    if len(group) == 1:
        item = group[0]
        reason = run.error or f"expected 1 page, pdflatex wrote {run.pages}"
        results[item.index] = reject(item.id, "latex", reason, item.repairs)
        return
    logger.debug("batch of %d failed (%s); splitting", len(group), run.error)
    for part in _split_points(group, run):
        _render_group(part, config, workdir, results, widths)


def _rasterize_group(
    keep: list[tuple[int, Prepared]],
    run: TexRun,
    config: RenderConfig,
    results: dict[int, RenderResult],
) -> None:
    pages: dict[int, Prepared] = {}
    for i, item in keep:
        width, height, depth = run.dims[i]
        problem = budget_problem(config, width, height + depth)
        if problem:
            results[item.index] = reject(item.id, "pixel_budget", problem, item.repairs)
        else:
            pages[i + 1] = item
    if not pages or run.pdf is None:
        return
    files, error = rasterize_pages(run.pdf, list(pages), config)
    for page, item in pages.items():
        path = files.get(page)
        if path is None:
            reason = error or f"pdftoppm wrote no image for page {page}"
            results[item.index] = reject(item.id, "rasterize", reason, item.repairs)
            continue
        try:
            raster = finish(path, config, keep_width=item.mode == "text")
        except (OSError, ValueError) as exc:
            results[item.index] = reject(item.id, "rasterize", str(exc), item.repairs)
            continue
        results[item.index] = RenderResult(
            id=item.id,
            ok=True,
            png=raster.png,
            width=raster.width,
            height=raster.height,
            repairs=item.repairs,
        )
