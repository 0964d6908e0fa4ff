"""Training curves (matplotlib figures) from the ``train_metrics`` table. No torch."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

# Step metrics worth a curve in MLflow (rewards/<name>/mean are added on top).
MLFLOW_METRICS: frozenset[str] = frozenset(
    {
        "loss",
        "reward",
        "reward_std",
        "completions/mean_length",
        "completions/clipped_ratio",
        "kl",
        "entropy",
        "learning_rate",
        "grad_norm",
        "step_time",
        "wall_step_time",
        "reflection_rate",
        "correction_rate",
        "frac_reward_zero_std",
        "clip_ratio/region_mean",
    }
)

# file name -> (title, y label, columns); rewards/* columns are added to "reward.png".
CURVES: dict[str, tuple[str, str, list[str]]] = {
    "reward.png": ("Reward", "reward", ["reward"]),
    "completion_length.png": (
        "Response length",
        "tokens",
        ["completions/mean_length", "completions/min_length", "completions/max_length"],
    ),
    "kl.png": ("KL to the reference", "kl", ["kl"]),
    "entropy.png": ("Policy entropy", "nats / token", ["entropy"]),
    "reflection_rate.png": (
        "Reflection markers and self-correction",
        "share of completions",
        ["reflection_rate", "correction_rate"],
    ),
}


def training_figures(metrics: pd.DataFrame) -> dict[str, Any]:
    """One figure per curve in ``CURVES`` (an empty axes says when a metric was not logged)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures: dict[str, Any] = {}
    reward_parts = sorted(
        c for c in metrics.columns if c.startswith("rewards/") and c.endswith("/mean")
    )
    for filename, (title, ylabel, columns) in CURVES.items():
        fig, ax = plt.subplots(figsize=(6, 3.5))
        wanted = columns + (reward_parts if filename == "reward.png" else [])
        drawn = 0
        for column in wanted:
            if column in metrics.columns and metrics[column].notna().any():
                ax.plot(metrics["step"], metrics[column], marker=".", label=column)
                drawn += 1
        if filename == "reward.png" and {"reward", "reward_std"} <= set(metrics.columns):
            low = metrics["reward"] - metrics["reward_std"]
            high = metrics["reward"] + metrics["reward_std"]
            ax.fill_between(metrics["step"], low, high, alpha=0.15, label="reward ± std")
        if not drawn:
            ax.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax.transAxes)
        ax.set(title=title, xlabel="step", ylabel=ylabel)
        if drawn:
            ax.legend(fontsize=7)
        fig.tight_layout()
        figures[filename] = fig
        plt.close(fig)
    return figures
