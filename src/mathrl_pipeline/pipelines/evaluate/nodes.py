"""Nodes of the `evaluate` pipeline: thin adapters over `mathrl_pipeline.evaluation`.

Torch and transformers are imported inside the library calls only: Kedro imports every pipeline
module when it registers pipelines, and data-only installs have no torch.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from mathrl_pipeline.evaluation.benchmarks import benchmark_scores
from mathrl_pipeline.evaluation.metrics import breakdown
from mathrl_pipeline.evaluation.plots import comparison_figures
from mathrl_pipeline.evaluation.scoring import nan_to_none, score_responses

from .params import EvaluateParams

logger = logging.getLogger(__name__)

# Comparison plots, one catalog entry each (eval_comparison_plot_<name>).
COMPARISON_PLOTS: tuple[str, ...] = ("accuracy_by_group", "length_distribution", "rates")


def _params(params: dict[str, Any]) -> EvaluateParams:
    return EvaluateParams.model_validate(params)


def generate_eval_responses(
    eval_model: Any, eval_split: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Responses of the model to the split, per prompt style, greedy and sampled."""
    from mathrl_pipeline.evaluation.generation import DecodeSettings
    from mathrl_pipeline.evaluation.runner import evaluate_source, model_source

    p = _params(params)
    split = eval_split.head(p.limit) if p.limit else eval_split
    decodes: dict[str, DecodeSettings] = {}
    if p.greedy.enabled:
        decodes["greedy"] = DecodeSettings(max_new_tokens=p.greedy.max_new_tokens)
    if p.sampled.enabled:
        s = p.sampled
        decodes["sample"] = DecodeSettings(
            max_new_tokens=s.max_new_tokens,
            do_sample=True,
            num_samples=s.num_samples,
            temperature=s.temperature,
            top_p=s.top_p,
            top_k=s.top_k,
            seed=s.seed,
        )
    source = p.model_source or eval_model
    responses = evaluate_source(
        source,
        split,
        p.styles,
        decodes,
        batch_size=p.batch_size,
        backend=p.backend,
        dtype=p.dtype,
    )
    described = model_source(source)
    responses["model_source"] = described if isinstance(described, str) else "in-memory"
    return responses


def score_eval_responses(
    eval_responses: pd.DataFrame, eval_split: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """Score each response with the rewards library (``eval_samples``)."""
    p = _params(params)
    samples = score_responses(
        eval_responses.drop(columns="model_source"), eval_split, p.extract_mode
    )
    samples["model_source"] = eval_responses["model_source"].to_numpy()
    return samples


def summarise_eval(
    eval_samples: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Metrics per prompt style, overall and by difficulty/topic/task, plus benchmark scores."""
    p = _params(params)
    ks = p.pass_k if p.sampled.enabled else []
    metrics = breakdown(eval_samples, p.breakdown_by, ks)
    sources = sorted(set(eval_samples["model_source"])) if len(eval_samples) else []
    benchmarks = {
        "model_source": sources[0] if len(sources) == 1 else sources,
        "n_rows": int(eval_samples["id"].nunique()) if len(eval_samples) else 0,
        "scores": benchmark_scores(eval_samples, latex_sympy=p.latex_sympy),
    }
    return metrics, nan_to_none(benchmarks)


def compare_evaluations(
    base_metrics: pd.DataFrame,
    trained_metrics: pd.DataFrame,
    base_samples: pd.DataFrame,
    trained_samples: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[Any, ...]:
    """One before/after table (model x style x group) and its plots."""
    p = _params(params)
    base_label, trained_label = p.labels.get("base", "base"), p.labels.get("trained", "trained")
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
    return (table, *(figures[f"{name}.png"] for name in COMPARISON_PLOTS))
