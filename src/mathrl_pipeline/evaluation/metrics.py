"""Aggregate metrics over scored samples: accuracy, unbiased pass@k, format, length, reflection."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mathrl_pipeline.evaluation.self_correction import summary_columns

logger = logging.getLogger(__name__)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): ``1 - C(n-c, k) / C(n, k)``, n samples, c correct."""
    if not 0 <= c <= n:
        raise ValueError(f"pass_at_k: need 0 <= c <= n, got n={n}, c={c}")
    if k < 1 or k > n:
        raise ValueError(f"pass_at_k: need 1 <= k <= n, got k={k}, n={n}")
    if n - c < k:
        return 1.0
    # Numerically stable product form: prod_{i=n-c+1}^{n} (1 - k / i).
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def mean_pass_at_k(correct_by_problem: Iterable[Sequence[bool]], k: int) -> float:
    """Mean unbiased pass@k over problems, each given as its list of per-sample correctness."""
    values = [pass_at_k(len(c), int(sum(c)), k) for c in correct_by_problem if len(c) >= k]
    return float(np.mean(values)) if values else math.nan


def _rate(series: pd.Series) -> float:
    return float(series.astype(float).mean()) if len(series) else math.nan


def summarise(samples: pd.DataFrame, ks: Sequence[int] = ()) -> dict[str, float]:
    """One metrics row for a set of scored samples (see ``eval_samples`` columns).

    Accuracy, format, length, truncation and reflection come from the greedy samples (or every
    sample when there are none); pass@k from the sampled ones, grouped by ``id``.
    """
    greedy = samples[samples["mode"] == "greedy"]
    point = greedy if len(greedy) else samples
    out: dict[str, float] = {
        "n": float(point["id"].nunique()),
        "accuracy": _rate(point["correct"]),
        "format_rate": _rate(point["format_ok"]),
        "mean_length": float(point["length"].mean()) if len(point) else math.nan,
        "truncation_rate": _rate(point["truncated"]),
        "reflection_rate": _rate(point["reflection_count"] > 0),
    }
    sampled = samples[samples["mode"] == "sample"]
    out.update(summary_columns(point, sampled))  # self-correction, sampled reflection
    for k in ks:
        groups = sampled.groupby("id", sort=False)["correct"].apply(list)
        out[f"pass@{k}"] = mean_pass_at_k(groups.tolist(), k) if len(groups) else math.nan
    return out


def _group_values(samples: pd.DataFrame, column: str) -> pd.Series:
    values = samples[column]
    if column == "difficulty":
        return values.map(lambda v: None if v is None or pd.isna(v) else f"{float(v):g}")
    return values.map(
        lambda v: None if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
    )


def breakdown(
    samples: pd.DataFrame,
    by: Sequence[str] = ("difficulty", "topic", "task"),
    ks: Sequence[int] = (),
    keys: Sequence[str] = ("style",),
) -> pd.DataFrame:
    """Metrics per ``keys`` (e.g. prompt style), overall and per value of each ``by`` column.

    Rows have the ``keys`` columns, ``breakdown`` (``all`` or the column name), ``group`` (the
    value, ``all`` for the overall row) and the metric columns. ``by`` columns that are absent or
    hold a single value are skipped.
    """
    rows: list[dict[str, Any]] = []
    key_list = list(keys)
    grouped = samples.groupby(key_list, sort=True) if key_list else [((), samples)]
    for raw_keys, part in grouped:
        key_values = raw_keys if isinstance(raw_keys, tuple) else (raw_keys,)
        base = dict(zip(key_list, key_values, strict=True))
        rows.append({**base, "breakdown": "all", "group": "all", **summarise(part, ks)})
        for column in by:
            if column not in part.columns:
                continue
            values = _group_values(part, column)
            if values.dropna().nunique() < 2:
                continue
            for value in sorted(values.dropna().unique()):
                sub = part[values == value]
                rows.append({**base, "breakdown": column, "group": value, **summarise(sub, ks)})
    return pd.DataFrame(rows)
