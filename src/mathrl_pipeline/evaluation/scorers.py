"""Benchmark scorers, chosen by name: each benchmark's own definition (CV-Bench, LaTeX-OCR).

A scorer maps a task's greedy samples to ``{metric: value}``. :data:`SCORERS` holds them by name
(like the rewards' registry); which scorer scores which task is data, the ``evaluate.scorers``
mapping (task -> scorer name, other tasks: ``accuracy``).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

# CV-Bench's own columns: ``type`` (2D/3D), ``source`` (ADE20K/COCO/Omni3D) and the sub-task
# (Count/Relation/Depth/Distance; ``question_type`` in the cvbench_test split). The contract's
# ``task`` column holds ``cvbench``, so the sub-task is looked for under these names first.
CVBENCH_TASK_COLUMNS: tuple[str, ...] = ("cvbench_task", "subtask", "question_type", "task")


def _mean(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


def _accuracy(frame: pd.DataFrame) -> float:
    return float(frame["correct"].astype(float).mean()) if len(frame) else math.nan


def accuracy_scores(samples: pd.DataFrame) -> dict[str, float]:
    """Plain accuracy over the rows (DeepMath-OCR's held-out accuracy) and the row count."""
    return {"accuracy": _accuracy(samples), "n": float(len(samples))}


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
    Rows without the type and source columns get :func:`accuracy_scores`.
    """
    if not {type_column, source_column} <= set(samples.columns):
        logger.debug("CV-Bench rows without %r/%r: plain accuracy", type_column, source_column)
        return accuracy_scores(samples)
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
    from mathrl_pipeline.rewards.normalize import gold_answer

    rows: list[dict[str, float]] = []
    for raw_gold, raw in zip(samples["solution"], samples["extracted"], strict=True):
        pred = None if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw)
        gold = gold_answer(raw_gold)  # the gold the accuracy reward compares with
        metrics = ocr_metrics(gold, pred)
        if with_sympy:
            verdict = sympy_match(gold, pred)
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


Scorer = Callable[[pd.DataFrame], dict[str, float]]

SCORERS: dict[str, Callable[..., dict[str, float]]] = {
    "accuracy": accuracy_scores,
    "cvbench": cvbench_scores,
    "latex_ocr": latex_ocr_scores,
}
DEFAULT_SCORER = "accuracy"
# task -> scorer of the tasks whose benchmark defines its own score (``evaluate.scorers``)
TASK_SCORERS: dict[str, str] = {"cvbench": "cvbench", "latex_ocr": "latex_ocr"}


def scorer_names() -> list[str]:
    """Valid scorer names, sorted."""
    return sorted(SCORERS)


def get_scorer(name: str, **kwargs: Any) -> Scorer:
    """The scorer ``name`` with its keyword options bound (e.g. ``with_sympy`` of latex_ocr)."""
    try:
        scorer = SCORERS[name]
    except KeyError:
        raise ValueError(
            f"unknown scorer {name!r}; valid scorers: {', '.join(scorer_names())}"
        ) from None
    return functools.partial(scorer, **kwargs) if kwargs else scorer


def benchmark_scores(
    samples: pd.DataFrame,
    task_scorers: Mapping[str, str] = TASK_SCORERS,
    options: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Per prompt style, the scores of every task present in the greedy samples.

    Each task is scored by the scorer ``task_scorers[task]`` (:data:`SCORERS`; tasks not
    listed: ``accuracy``), called with ``options[scorer name]`` as keyword arguments.
    """
    options = options or {}
    greedy = samples[samples["mode"] == "greedy"]
    names = {str(task): task_scorers.get(str(task), DEFAULT_SCORER) for task in greedy["task"]}
    scorers = {name: get_scorer(name, **options.get(name, {})) for name in set(names.values())}
    out: dict[str, Any] = {}
    for style, part in greedy.groupby("style", sort=True):
        out[str(style)] = {
            str(task): scorers[names[str(task)]](rows)
            for task, rows in part.groupby("task", sort=True)
        }
    return out
