"""Nodes of the `report` pipeline: training curves and evaluation results into `08_reporting`.

The comparison plots are rendered once by the `evaluate` pipeline (``eval_comparison_plot_*``);
the report renders the aha-moment curves and embeds all four saved images in the HTML page.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from mathrl_pipeline.evaluation.aha_report import aha_section_html
from mathrl_pipeline.evaluation.plots import aha_moment_figure, figure_image
from mathrl_pipeline.evaluation.report import build_html_report
from mathrl_pipeline.pipelines.evaluate.params import EvaluateParams
from mathrl_pipeline.training.config import TrainParams

from .params import ReportParams

logger = logging.getLogger(__name__)


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


def plot_aha_moment(train_metrics: pd.DataFrame) -> Any:
    """The aha-moment curves (rewards, length, reflection by step), rendered once as a PNG."""
    return figure_image(aha_moment_figure(train_metrics))


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


def build_report(  # noqa: PLR0913, PLR0917 - a Kedro node: one argument per catalog input
    eval_comparison: pd.DataFrame,
    base_samples: pd.DataFrame,
    trained_samples: pd.DataFrame,
    base_benchmarks: dict[str, Any],
    trained_benchmarks: dict[str, Any],
    train_metrics: pd.DataFrame,
    aha_moment: Any,
    accuracy_by_group: Any,
    length_distribution: Any,
    rates: Any,
    train: TrainParams,
    evaluate: EvaluateParams,
    params: ReportParams,
    train_samples: pd.DataFrame | None = None,
) -> str:
    """One self-contained HTML report: models evaluated, the run's train and evaluate
    parameters, the saved plots."""
    labels = _labels(eval_comparison)
    plots = {
        "aha_moment.png": aha_moment,
        "accuracy_by_group.png": accuracy_by_group,
        "length_distribution.png": length_distribution,
        "rates.png": rates,
    }
    metadata: dict[str, Any] = {
        f"model ({labels[0]})": base_benchmarks.get("model_source"),
        f"model ({labels[1]})": trained_benchmarks.get("model_source"),
        "evaluated rows": base_benchmarks.get("n_rows"),
        "training steps logged": len(train_metrics),
    }
    parameters = {
        "train": train.model_dump(mode="json"),
        "evaluate": evaluate.model_dump(mode="json"),
    }
    benchmarks = {
        labels[0]: base_benchmarks.get("scores"),
        labels[1]: trained_benchmarks.get("scores"),
    }
    page = build_html_report(
        params.title,
        eval_comparison,
        benchmarks,
        plots,
        samples=_samples(base_samples, trained_samples, labels),
        metadata=metadata,
        parameters=parameters,
        n_examples=params.n_examples,
        extra_html=aha_section_html(base_samples, trained_samples, train_samples, tuple(labels)),
    )
    return page
