"""Benchmark scores kept to each benchmark's own definition (CV-Bench, LaTeX-OCR, DeepMath-OCR)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

# CV-Bench's own columns: ``type`` (2D/3D), ``source`` (ADE20K/COCO/Omni3D) and the sub-task
# (Count/Relation/Depth/Distance). The contract's ``task`` column holds ``cvbench``, so the
# sub-task is looked for under these names first.
CVBENCH_TASK_COLUMNS: tuple[str, ...] = ("cvbench_task", "subtask", "task")


def _mean(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


def _accuracy(frame: pd.DataFrame) -> float:
    return float(frame["correct"].astype(float).mean()) if len(frame) else math.nan


def cvbench_task_column(samples: pd.DataFrame) -> str | None:
    """The column holding CV-Bench's sub-task (Count, Relation, Depth, Distance), if any."""
    for column in CVBENCH_TASK_COLUMNS:
        if column in samples.columns:
            values = set(samples[column].dropna().astype(str))
            if values and values != {"cvbench"}:
                return column
    return None


def cvbench_scores(
    samples: pd.DataFrame,
    type_column: str = "type",
    source_column: str = "source",
    task_column: str | None = None,
) -> dict[str, float]:
    """CV-Bench accuracy as the benchmark defines it, plus the per-task view VisualThinker reports.

    Official (CV-Bench README): ``2D = mean(acc[ADE20K], acc[COCO])`` over 2D rows,
    ``3D = acc[Omni3D]`` over 3D rows (mean over 3D sources in general), and
    ``cvbench = mean(2D, 3D)``. Also: ``task/<name>`` accuracies, ``task_mean`` (their unweighted
    mean) and ``micro`` (accuracy over all rows, what a plain average over the file gives).
    """
    out: dict[str, float] = {}
    kinds = samples[type_column].astype(str).str.upper()
    sources = samples[source_column].astype(str)
    for kind in ("2D", "3D"):
        part = samples[kinds == kind]
        per_source = {}
        for source in sorted(sources[kinds == kind].unique()):
            per_source[source] = _accuracy(part[sources[kinds == kind] == source])
            out[f"{kind.lower()}/{source.lower()}"] = per_source[source]
        out[kind.lower()] = _mean(list(per_source.values()))
    out["cvbench"] = _mean([out["2d"], out["3d"]])
    task_column = task_column or cvbench_task_column(samples)
    if task_column is not None:
        tasks = samples[task_column].astype(str)
        per_task = {t: _accuracy(samples[tasks == t]) for t in sorted(tasks.unique())}
        out.update({f"task/{t.lower()}": v for t, v in per_task.items()})
        out["task_mean"] = _mean(list(per_task.values()))
    out["micro"] = _accuracy(samples)
    out["n"] = float(len(samples))
    return out


def latex_ocr_scores(samples: pd.DataFrame, with_sympy: bool = True) -> dict[str, float]:
    """LaTeX-OCR metrics over rows with ``solution`` (gold) and ``extracted`` (prediction).

    Exact match, normalised match, ExpRate (edit distance 0) and ExpRate <=1 / <=2 token edits,
    mean token edit distance (extracted answers only), and the sympy equivalence rate.
    """
    from mathrl_pipeline.rewards import ocr_metrics, sympy_match

    rows: list[dict[str, float]] = []
    for gold, raw in zip(samples["solution"], samples["extracted"], strict=True):
        pred = None if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw)
        metrics = ocr_metrics(str(gold), pred)
        if with_sympy:
            verdict = sympy_match(str(gold), pred)
            metrics["sympy"] = math.nan if verdict is None else float(verdict)
        rows.append(metrics)
    if not rows:
        return {"n": 0.0}
    frame = pd.DataFrame(rows)
    out = {
        "exact_match": float(frame["exact"].mean()),
        "normalized_match": float(frame["normalized"].mean()),
        "exprate": float(frame["exprate"].mean()),
        "exprate_le1": float(frame["exprate_le1"].mean()),
        "exprate_le2": float(frame["exprate_le2"].mean()),
        "edit_distance": float(frame["edit_distance"].mean()),
        "n": float(len(frame)),
    }
    if with_sympy:
        out["sympy_equivalence"] = float(frame["sympy"].mean())
    return out


def benchmark_scores(samples: pd.DataFrame, latex_sympy: bool = True) -> dict[str, Any]:
    """Per prompt style, the benchmark-defined scores of every task present in greedy samples.

    ``deepmath``: held-out accuracy; ``cvbench``: :func:`cvbench_scores`; ``latex_ocr``:
    :func:`latex_ocr_scores`; any other task: plain accuracy.
    """
    greedy = samples[samples["mode"] == "greedy"]
    out: dict[str, Any] = {}
    for style, part in greedy.groupby("style", sort=True):
        scores: dict[str, Any] = {}
        for task, rows in part.groupby("task", sort=True):
            if task == "cvbench" and {"type", "source"} <= set(rows.columns):
                scores[task] = cvbench_scores(rows)
            elif task == "latex_ocr":
                scores[task] = latex_ocr_scores(rows, with_sympy=latex_sympy)
            else:
                scores[task] = {"accuracy": _accuracy(rows), "n": float(len(rows))}
        out[str(style)] = scores
    return out
