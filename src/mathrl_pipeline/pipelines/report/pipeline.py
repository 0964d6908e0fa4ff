"""The `report` pipeline: training curves and evaluation results into one HTML report + PNGs."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline, pipeline

from .nodes import REPORT_PLOTS, build_report, plot_report, report_mlflow_metrics

BEFORE, AFTER = "eval_base", "eval_trained"


def create_pipeline(**kwargs) -> Pipeline:
    """Plots, MLflow metrics and the HTML report of one run (after `train` and `evaluate`)."""
    samples = ["before_samples", "after_samples"]
    nodes = Pipeline(
        [
            Node(
                plot_report,
                ["eval_comparison", *samples, "train_metrics"],
                [f"report_plot_{name}" for name in REPORT_PLOTS],
                name="plot_report",
            ),
            Node(
                report_mlflow_metrics,
                "eval_comparison",
                "report_mlflow_metrics",
                name="report_mlflow_metrics",
            ),
            Node(
                build_report,
                [
                    "eval_comparison",
                    *samples,
                    "before_benchmarks",
                    "after_benchmarks",
                    "train_metrics",
                    "parameters",
                    "params:report",
                    "train_samples",
                ],
                ["eval_report", "eval_report_mlflow"],
                name="build_report",
            ),
        ]
    )
    return pipeline(
        nodes,
        inputs={
            "before_samples": f"{BEFORE}.eval_samples",
            "after_samples": f"{AFTER}.eval_samples",
            "before_benchmarks": f"{BEFORE}.eval_benchmarks",
            "after_benchmarks": f"{AFTER}.eval_benchmarks",
        },
        tags=["report"],
    )
