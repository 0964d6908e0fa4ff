"""Nodes of the `latex_ocr` pipeline: thin adapters over `tasks.latex_ocr` and `.rendering`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items
from mathrl_pipeline.tasks import latex_ocr, vqa
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.rejects import Reject, concat_rejects, rejects_frame
from mathrl_pipeline.tasks.splits import split_frame

from .params import LatexOcrParams

logger = logging.getLogger(__name__)


def _params(params: dict[str, Any]) -> LatexOcrParams:
    return LatexOcrParams.model_validate(params)


def generate_latex_ocr_raw(params: dict[str, Any]) -> pd.DataFrame:
    """im2latex-style formulas (an empty frame when the source is not embedded)."""
    p = _params(params)
    if p.source != vqa.EMBEDDED:
        return pd.DataFrame(columns=["formula"])
    return latex_ocr.generate_formula_frame(p.embedded.count, seed=p.embedded.seed,
                                            malformed_rows=p.embedded.malformed_rows)


def ingest_latex_ocr(raw: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """Load the source: embedded formulas, a Hub id, or a local im2latex-style file."""
    p = _params(params)
    return vqa.resolve_source(raw, p.source, split=p.hf_split, revision=p.revision,
                              limit=p.limit, name=p.config_name, param_name="latex_ocr.source")


def normalize_latex_ocr(frame: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame,
                                                                              pd.DataFrame]:
    """Normalise the formulas (one tokenisation); empty ones go to the rejects."""
    p = _params(params)
    return latex_ocr.normalize_formulas(frame, column=p.columns.formula, id_column=p.columns.id,
                                        max_chars=p.render.max_chars)


def render_latex_ocr(normalized: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame,
                                                                                pd.DataFrame]:
    """Render each normalised formula as display math; failures become rejects with reasons."""
    r = _params(params).render
    config = RenderConfig(dpi=r.dpi, max_width=r.max_width, padding=r.padding,
                          min_pixels=r.min_pixels, max_pixels=r.max_pixels,
                          batch_size=r.batch_size, workers=r.workers, timeout_s=r.timeout_s,
                          max_chars=r.max_chars)
    items = [RenderItem(id=i, text=f, mode="display")
             for i, f in zip(normalized["id"], normalized["formula"], strict=True)]
    results = render_items(items, config, Path(r.workdir))
    cells, widths, heights, rejects = [], [], [], []
    for result in results:
        ok = result.ok and result.png is not None
        cells.append(image_cell(result.png) if ok else None)
        widths.append(int(result.width or 0))
        heights.append(int(result.height or 0))
        if not ok:
            reason = (result.reason or "render failed").splitlines()[0][:200]
            rejects.append(Reject(result.id, f"render:{result.stage or 'latex'}",
                                  "render_failed", reason))
    rendered = normalized.assign(image=cells, image_width=widths, image_height=heights)
    rendered = rendered.loc[rendered["image"].notna()].reset_index(drop=True)
    logger.info("latex_ocr render: %d of %d rendered", len(rendered), len(items))
    return rendered, rejects_frame(rejects)


def build_latex_ocr_prompts(rendered: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
    """The OCR prompt and the normalised formula as gold (`answer_type` latex)."""
    p = _params(params)
    return latex_ocr.build_latex_rows(rendered, style=p.prompt_style, source=p.source)


def split_latex_ocr(model_input: pd.DataFrame, params: dict[str, Any]) -> tuple[pd.DataFrame,
                                                                                pd.DataFrame]:
    """Split into train and test with the configured seed."""
    s = _params(params).split
    return split_frame(model_input, test_fraction=s.test_fraction, seed=s.seed,
                       max_test=s.max_test)


def collect_latex_ocr_rejects(normalize: pd.DataFrame, render: pd.DataFrame) -> pd.DataFrame:
    """All rejects of the pipeline in one table."""
    return concat_rejects(normalize, render)


def report_latex_ocr(ingested: pd.DataFrame, normalized: pd.DataFrame, train: pd.DataFrame,
                     test: pd.DataFrame, rejects: pd.DataFrame) -> dict[str, Any]:
    """Counts: formulas loaded, normalised, rendered (kept per split), rejects by reason."""
    report = vqa.split_report("latex_ocr", loaded=len(ingested),
                              splits={"train": train, "test": test}, rejects=rejects)
    report["normalized"] = len(normalized)
    report["rendered"] = len(train) + len(test)
    return report
