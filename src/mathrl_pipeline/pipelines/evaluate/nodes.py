"""Nodes of the `evaluate` pipeline: thin adapters over `mathrl_pipeline.evaluation`.

Torch and transformers are imported inside the library calls only: Kedro imports every pipeline
module when it registers pipelines, and data-only installs have no torch. Parameters arrive
typed and validated (Kedro validates ``params:`` inputs against the annotations before the first
node runs).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from mathrl_pipeline.evaluation.metrics import breakdown
from mathrl_pipeline.evaluation.plots import comparison_figures, figure_image
from mathrl_pipeline.evaluation.scorers import benchmark_scores
from mathrl_pipeline.evaluation.scoring import nan_to_none, score_responses
from mathrl_pipeline.rewards.sandbox import SandboxSettings, start

from .params import EvaluateParams

logger = logging.getLogger(__name__)

# Comparison plots, one catalog entry each (eval_comparison_plot_<name>): saved once, embedded
# by the report.
COMPARISON_PLOTS: tuple[str, ...] = ("accuracy_by_group", "length_distribution", "rates")


def generate_eval_responses(
    eval_model: Any, eval_split: pd.DataFrame, params: EvaluateParams
) -> pd.DataFrame:
    """Responses of the model to the split, per prompt style, greedy and sampled."""
    from mathrl_pipeline.evaluation.runner import evaluate_source, model_source

    split = eval_split.head(params.limit) if params.limit else eval_split
    modes = {"greedy": params.greedy, "sample": params.sampled}
    decodes = {mode: settings for mode, settings in modes.items() if settings is not None}
    source = params.model_source or eval_model
    responses = evaluate_source(
        source,
        split,
        params.styles,
        decodes,
        batch_size=params.batch_size,
        backend=params.backend,
        dtype=params.dtype,
    )
    described = model_source(source)
    responses["model_source"] = described if isinstance(described, str) else "in-memory"
    return responses


def score_eval_responses(
    eval_responses: pd.DataFrame,
    eval_split: pd.DataFrame,
    extract_mode: str,
    reward_sandbox: SandboxSettings,
) -> pd.DataFrame:
    """Score each response with the rewards library (``eval_samples``)."""
    start(reward_sandbox)
    samples = score_responses(eval_responses.drop(columns="model_source"), eval_split, extract_mode)
    samples["model_source"] = eval_responses["model_source"].to_numpy()
    return samples


def summarise_eval(
    eval_samples: pd.DataFrame, params: EvaluateParams, reward_sandbox: SandboxSettings
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Metrics per prompt style, overall and by difficulty/topic/task, plus benchmark scores."""
    start(reward_sandbox)
    ks = params.pass_k if params.sampled is not None else []
    metrics = breakdown(eval_samples, params.breakdown_by, ks)
    sources = sorted(set(eval_samples["model_source"])) if len(eval_samples) else []
    options = {"latex_ocr": {"with_sympy": params.latex_sympy}}
    benchmarks = {
        "model_source": sources[0] if len(sources) == 1 else sources,
        "n_rows": int(eval_samples["id"].nunique()) if len(eval_samples) else 0,
        "scores": benchmark_scores(eval_samples, params.scorers, options),
    }
    return metrics, nan_to_none(benchmarks)


def compare_evaluations(
    base_metrics: pd.DataFrame,
    trained_metrics: pd.DataFrame,
    base_samples: pd.DataFrame,
    trained_samples: pd.DataFrame,
    labels: Mapping[str, str],
) -> tuple[Any, ...]:
    """One before/after table (model x style x group) and its plots, rendered once as PNGs."""
    base_label, trained_label = labels.get("base", "base"), labels.get("trained", "trained")
    table = pd.concat(
        [base_metrics.assign(model=base_label), trained_metrics.assign(model=trained_label)],
        ignore_index=True,
    )
    table = table[["model", *[c for c in table.columns if c != "model"]]]
    samples = pd.concat(
        [base_samples.assign(model=base_label), trained_samples.assign(model=trained_label)],
        ignore_index=True,
    )
    figures = comparison_figures(table, samples)
    return (table, *(figure_image(figures[f"{name}.png"]) for name in COMPARISON_PLOTS))
