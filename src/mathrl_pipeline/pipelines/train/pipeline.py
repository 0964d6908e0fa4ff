"""The `train` pipeline: train_split + base_model -> GRPO -> model, metrics, samples, plots.

Step metrics reach MLflow while `train_grpo` runs (nodes.mlflow_metrics_sink), not after it.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import PLOT_OUTPUTS, plot_training_curves, train_grpo


def create_pipeline(**kwargs) -> Pipeline:
    """GRPO (TRL GRPOTrainer) on `train_split` from `base_model`, with `params:train`."""
    return Pipeline(
        [
            Node(
                train_grpo,
                ["train_split", "base_model", "params:train", "params:reward_sandbox"],
                ["trained_model", "train_metrics", "train_samples"],
                name="train_grpo",
            ),
            Node(
                plot_training_curves,
                "train_metrics",
                list(PLOT_OUTPUTS),
                name="plot_training_curves",
            ),
        ],
        tags=["model", "train"],
    )
