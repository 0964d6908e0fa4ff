"""Nodes of the `train` pipeline: thin adapters over `mathrl_pipeline.training`.

Torch, transformers and TRL are imported inside the node bodies only: Kedro imports every
pipeline module when it registers pipelines, and the data stages must run without torch.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from mathrl_pipeline.rewards.sandbox import SandboxSettings
from mathrl_pipeline.training.config import TrainParams
from mathrl_pipeline.training.plots import CURVES, MLFLOW_METRICS, training_figures

logger = logging.getLogger(__name__)

MLFLOW_BATCH = 1000  # MLflow's limit of metrics per log_batch call
# One catalog entry per curve (training_plot_reward, ...): versioned on disk and logged to the
# MLflow run by the project's hook (catalog metadata `mlflow_artifact_path`).
PLOT_OUTPUTS: tuple[str, ...] = tuple(
    f"training_plot_{name.removesuffix('.png')}" for name in CURVES
)


def train_grpo(
    train_split: pd.DataFrame,
    base_model: str,
    params: TrainParams,
    reward_sandbox: SandboxSettings,
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """GRPO from ``base_model`` on ``train_split`` on ``train.distributed`` processes.

    Resumes from ``train.output_dir``; step metrics reach the MLflow run as they are logged;
    every process bounds its reward work with ``reward_sandbox``.
    """
    from mathrl_pipeline.training.launch import train

    result = train(params, train_split, base_model, metrics_sink=mlflow_metrics_sink(),
                   reward_sandbox=reward_sandbox)
    return str(result.model_dir), result.metrics, result.samples


def plot_training_curves(train_metrics: pd.DataFrame) -> tuple[Any, ...]:
    """Reward (total, per component), length, KL, entropy and reflection curves against step."""
    figures = training_figures(train_metrics)
    return tuple(figures[name] for name in CURVES)


def mlflow_step_metrics(row: dict[str, Any]) -> dict[str, float]:
    """A metrics row's curves for MLflow: ``train.<name>`` with ``/`` as ``_``, finite only."""
    out = {}
    for key, value in row.items():
        wanted = key in MLFLOW_METRICS or key.startswith("rewards/")
        if not wanted or key.endswith("/std") or isinstance(value, bool):
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            out[f"train.{key.replace('/', '_')}"] = float(value)
    return out


def mlflow_metrics_sink() -> Callable[[list[dict[str, Any]]], None] | None:
    """Log metric rows to the active MLflow run (from any thread); None without one."""
    import mlflow
    from mlflow.entities import Metric

    run = mlflow.active_run()
    if run is None:
        return None
    client, run_id = mlflow.MlflowClient(), run.info.run_id

    def sink(rows: list[dict[str, Any]]) -> None:
        now = int(time.time() * 1000)
        metrics = [
            Metric(key, value, now, int(row["step"]))
            for row in rows
            for key, value in mlflow_step_metrics(row).items()
        ]
        for start in range(0, len(metrics), MLFLOW_BATCH):
            client.log_batch(run_id, metrics=metrics[start : start + MLFLOW_BATCH])

    return sink
