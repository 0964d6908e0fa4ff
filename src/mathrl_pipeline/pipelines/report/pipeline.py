"""The `report` pipeline: training curves and evaluation results into one HTML report + PNGs."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline, pipeline

from mathrl_pipeline.pipelines.evaluate.nodes import COMPARISON_PLOTS
from mathrl_pipeline.pipelines.evaluate.pipeline import published

from .nodes import build_report, plot_aha_moment, report_mlflow_metrics

BEFORE, AFTER = "eval_base", "eval_trained"


def create_pipeline(**kwargs) -> Pipeline:
    """Aha-moment plot, MLflow metrics and the HTML report of one run (after `train` and
    `evaluate`). The run's train block is ``params:train``: a run training with another block
    maps it (``pipeline(..., parameters={"params:train": "params:train_<task>"})``)."""
    nodes = Pipeline(
        [
            Node(
                plot_aha_moment,
                "train_metrics",
                "report_plot_aha_moment",
                name="plot_aha_moment",
            ),
            Node(
                report_mlflow_metrics,
                "eval_comparison",
                "report_mlflow_metrics",
                name="report_mlflow_metrics",
            ),
            Node(
                build_report,
                {
                    "eval_comparison": "eval_comparison",
                    "base_samples": published(BEFORE, "eval_samples"),
                    "trained_samples": published(AFTER, "eval_samples"),
                    "base_benchmarks": published(BEFORE, "eval_benchmarks"),
                    "trained_benchmarks": published(AFTER, "eval_benchmarks"),
                    "train_metrics": "train_metrics",
                    "aha_moment": "report_plot_aha_moment",
                    **{name: f"eval_comparison_plot_{name}" for name in COMPARISON_PLOTS},
                    "train": "params:train",
                    "evaluate": "params:evaluate",
                    "params": "params:report",
                    "train_samples": "train_samples",
                },
                "eval_report",
                name="build_report",
            ),
        ]
    )
    return pipeline(nodes, tags=["report"])
