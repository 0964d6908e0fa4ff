"""Nodes of the `train` pipeline: thin adapters over `mathrl_pipeline.training`.

Torch, transformers and TRL are imported inside the node bodies only: Kedro imports every
pipeline module when it registers pipelines, and the data stages must run without torch.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from mathrl_pipeline.rewards.sandbox import SandboxSettings
from mathrl_pipeline.rewards.sandbox import start as start_reward_sandbox
from mathrl_pipeline.training.config import TrainParams
from mathrl_pipeline.training.plots import CURVES, MLFLOW_METRICS, training_figures

logger = logging.getLogger(__name__)

# One catalog entry per curve, versioned on disk (training_plot_reward, ...) and as an MLflow
# artifact (mlflow_training_plot_reward, ...; kedro-mlflow cannot wrap a versioned dataset
# without breaking Kedro 1.7's single save version per run).
PLOT_OUTPUTS: tuple[str, ...] = tuple(
    f"{prefix}training_plot_{name.removesuffix('.png')}"
    for prefix in ("", "mlflow_")
    for name in CURVES
)


def train_grpo(
    train_split: pd.DataFrame,
    base_model: str,
    params: TrainParams,
    reward_sandbox: SandboxSettings,
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """GRPO from ``base_model`` on ``train_split``; resumes from ``train.output_dir``."""
    from mathrl_pipeline.training.runner import run_grpo

    start_reward_sandbox(reward_sandbox)
    result = run_grpo(params, train_split, base_model)
    return str(result.model_dir), result.metrics, result.samples


def plot_training_curves(train_metrics: pd.DataFrame) -> tuple[Any, ...]:
    """Reward (total, per component), length, KL, entropy and reflection curves against step."""
    figures = training_figures(train_metrics)
    ordered = tuple(figures[name] for name in CURVES)
    return ordered + ordered  # the disk copies, then the MLflow copies


def mlflow_metric_history(train_metrics: pd.DataFrame) -> dict[str, list[dict[str, float]]]:
    """The main step metrics as MLflow metric histories (``{name: [{step, value}, ...]}``)."""
    history: dict[str, list[dict[str, float]]] = {}
    columns = [c for c in train_metrics.columns if c in MLFLOW_METRICS or c.startswith("rewards/")]
    for column in columns:
        if column.endswith("/std"):
            continue
        points = [
            {"step": int(step), "value": float(value)}
            for step, value in zip(train_metrics["step"], train_metrics[column], strict=True)
            if value is not None and not (isinstance(value, float) and math.isnan(value))
        ]
        if points:
            history[column.replace("/", "_")] = points
    return history
