"""Nodes of the `report` pipeline: training curves and evaluation results into `08_reporting`."""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from mathrl_pipeline.evaluation.aha_report import aha_section_html
from mathrl_pipeline.evaluation.plots import aha_moment_figure, comparison_figures
from mathrl_pipeline.evaluation.report import build_html_report, dataset_versions

from .params import ReportParams

logger = logging.getLogger(__name__)

# Report plots, one catalog entry each (report_plot_<name>), logged to MLflow.
REPORT_PLOTS: tuple[str, ...] = (
    "aha_moment",
    "accuracy_by_group",
    "length_distribution",
    "rates",
)


def _samples(
    base_samples: pd.DataFrame, trained_samples: pd.DataFrame, labels: list[str]
) -> pd.DataFrame:
    return pd.concat(
        [base_samples.assign(model=labels[0]), trained_samples.assign(model=labels[1])],
        ignore_index=True,
    )


def _labels(comparison: pd.DataFrame) -> list[str]:
    labels = list(dict.fromkeys(comparison["model"])) if len(comparison) else []
    return (labels + ["base", "trained"])[:2]


def _figures(
    comparison: pd.DataFrame,
    base_samples: pd.DataFrame,
    trained_samples: pd.DataFrame,
    train_metrics: pd.DataFrame,
) -> dict[str, Any]:
    samples = _samples(base_samples, trained_samples, _labels(comparison))
    figures = {"aha_moment.png": aha_moment_figure(train_metrics)}
    figures.update(comparison_figures(comparison, samples))
    return figures


def plot_report(
    eval_comparison: pd.DataFrame,
    base_samples: pd.DataFrame,
    trained_samples: pd.DataFrame,
    train_metrics: pd.DataFrame,
) -> tuple[Any, ...]:
    """The report's PNG plots: aha-moment curves and the before/after comparison."""
    figures = _figures(eval_comparison, base_samples, trained_samples, train_metrics)
    return tuple(figures[f"{name}.png"] for name in REPORT_PLOTS)


def report_mlflow_metrics(eval_comparison: pd.DataFrame) -> dict[str, list[dict[str, float]]]:
    """Overall before/after metrics as MLflow metrics (``eval_<model>_<style>_<metric>``)."""
    overall = eval_comparison[eval_comparison["breakdown"] == "all"]
    metrics: dict[str, list[dict[str, float]]] = {}
    skip = {"model", "style", "breakdown", "group"}
    for _, row in overall.iterrows():
        for column in overall.columns:
            value = row[column]
            if column in skip or not isinstance(value, int | float) or math.isnan(value):
                continue
            name = f"eval_{row['model']}_{row['style']}_{column}".replace("@", "_at_")
            metrics[name] = [{"step": 0, "value": float(value)}]
    return metrics


def build_report(  # noqa: PLR0917 - a Kedro node, called with positional inputs
    eval_comparison: pd.DataFrame,
    base_samples: pd.DataFrame,
    trained_samples: pd.DataFrame,
    base_benchmarks: dict[str, Any],
    trained_benchmarks: dict[str, Any],
    train_metrics: pd.DataFrame,
    parameters: dict[str, Any],
    params: dict[str, Any],
    train_samples: pd.DataFrame | None = None,
) -> tuple[str, str]:
    """One self-contained HTML report (model and data versions, parameters), twice: the
    versioned file and the MLflow artifact."""
    p = ReportParams.model_validate(params)
    labels = _labels(eval_comparison)
    figures = _figures(eval_comparison, base_samples, trained_samples, train_metrics)
    metadata: dict[str, Any] = {
        f"model ({labels[0]})": base_benchmarks.get("model_source"),
        f"model ({labels[1]})": trained_benchmarks.get("model_source"),
        "evaluated rows": base_benchmarks.get("n_rows"),
        "training steps logged": len(train_metrics),
    }
    metadata.update({f"version: {k}": v for k, v in dataset_versions(p.versioned_paths).items()})
    shown = {k: parameters.get(k) for k in p.parameter_keys if k in parameters}
    benchmarks = {
        labels[0]: base_benchmarks.get("scores"),
        labels[1]: trained_benchmarks.get("scores"),
    }
    samples = _samples(base_samples, trained_samples, labels)
    page = build_html_report(
        p.title,
        eval_comparison,
        benchmarks,
        figures,
        samples=samples,
        metadata=metadata,
        parameters=shown,
        n_examples=p.n_examples,
        extra_html=aha_section_html(base_samples, trained_samples, train_samples, tuple(labels)),
    )
    return page, page
