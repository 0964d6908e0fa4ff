"""Figures of the comparison and the report (matplotlib ``Figure`` objects, no pyplot state).

:func:`figure_image` renders a figure once into the PNG image that the catalog saves and the
HTML report embeds.
"""

from __future__ import annotations

import io
import logging
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

# train_metrics columns of the aha-moment figure: (columns, title, y label), one panel each.
AHA_PANELS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("reward", "rewards/format/mean"), "Reward (total) and format reward", "reward"),
    (("rewards/accuracy/mean", "accuracy_reflecting", "accuracy_not_reflecting"),
     "Accuracy reward (all, reflecting, not)", "reward"),
    (("completions/mean_length",), "Response length", "tokens"),
    (("reflection_rate", "correction_rate"), "Reflection and self-correction", "share"),
)


def _figure(width: float = 7.0, height: float = 3.6, ncols: int = 1) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    axes = fig.subplots(1, ncols)
    return fig, axes


def _empty(ax: Any, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)


def _label(frame: pd.DataFrame) -> pd.Series:
    return frame["model"].astype(str) + " / " + frame["style"].astype(str)


def accuracy_by_group_figure(metrics: pd.DataFrame, by: str = "difficulty") -> Any:
    """Grouped bars: accuracy per ``by`` value for each model / prompt style."""
    fig, ax = _figure()
    part = metrics[metrics["breakdown"] == by]
    if part.empty:
        part = metrics[metrics["breakdown"] == "all"]
        by = "all"
    if part.empty:
        _empty(ax, "no evaluation")
        return fig
    labels = _label(part)
    groups = list(dict.fromkeys(part["group"]))
    series = list(dict.fromkeys(labels))
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(groups))
    for j, name in enumerate(series):
        rows = part[labels == name].set_index("group")
        values = [float(rows["accuracy"].get(g, np.nan)) for g in groups]
        ax.bar(x + j * width - 0.4 + width / 2, values, width, label=name)
    ax.set_xticks(x, groups, rotation=30 if len(groups) > 6 else 0, fontsize=8)
    ax.set(title=f"Accuracy by {by}", xlabel=by, ylabel="accuracy (greedy)", ylim=(0, 1.05))
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def length_distribution_figure(samples: pd.DataFrame) -> Any:
    """Histogram of response lengths (tokens, greedy) per model / prompt style."""
    fig, ax = _figure()
    part = samples[samples["mode"] == "greedy"]
    if part.empty:
        _empty(ax, "no evaluation")
        return fig
    labels = _label(part)
    bins = np.histogram_bin_edges(part["length"].to_numpy(dtype=float), bins=20)
    for name in dict.fromkeys(labels):
        ax.hist(part.loc[labels == name, "length"], bins=bins, histtype="step", label=name)
    ax.set(title="Response length", xlabel="tokens", ylabel="responses")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def rate_bars_figure(metrics: pd.DataFrame) -> Any:
    """Bars of format, reflection and truncation rates (overall) per model / prompt style."""
    fig, ax = _figure()
    part = metrics[metrics["breakdown"] == "all"]
    if part.empty:
        _empty(ax, "no evaluation")
        return fig
    names = ["accuracy", "format_rate", "reflection_rate", "truncation_rate"]
    labels = _label(part).tolist()
    width = 0.8 / max(len(labels), 1)
    x = np.arange(len(names))
    for j, (label, (_, row)) in enumerate(zip(labels, part.iterrows(), strict=True)):
        ax.bar(x + j * width - 0.4 + width / 2, [row[n] for n in names], width, label=label)
    ax.set_xticks(x, names, fontsize=8)
    ax.set(title="Before / after, by prompt style", ylabel="rate", ylim=(0, 1.05))
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def aha_moment_figure(train_metrics: pd.DataFrame | None) -> Any:
    """Reward, format and accuracy rewards, response length and reflection rate by step."""
    fig, axes = _figure(width=15.0, height=3.4, ncols=len(AHA_PANELS))
    for ax, (wanted, title, ylabel) in zip(axes, AHA_PANELS, strict=True):
        ax.set(title=title, xlabel="step", ylabel=ylabel)
        columns = [c for c in wanted if train_metrics is not None and c in train_metrics.columns]
        if not columns and train_metrics is not None and "reward" in train_metrics.columns:
            columns = ["reward"] if wanted[0].startswith("rewards/") else []
        if train_metrics is None or not columns:
            _empty(ax, "not logged")
            continue
        for column in columns:
            values = pd.to_numeric(train_metrics[column], errors="coerce")
            (line,) = ax.plot(
                train_metrics["step"], values, marker=".", linewidth=1, alpha=0.5, label=column
            )
            if len(values.dropna()) >= 5:
                smooth = values.rolling(5, min_periods=1, center=True).mean()
                ax.plot(train_metrics["step"], smooth, linewidth=2, color=line.get_color())
        if len(columns) > 1:
            ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def figure_image(fig: Any, dpi: int = 100) -> Any:
    """The figure rendered as a PNG ``PIL.Image`` (what ``pillow.ImageDataset`` saves)."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    return Image.open(buffer).copy()


def comparison_figures(metrics: pd.DataFrame, samples: pd.DataFrame) -> dict[str, Any]:
    """The comparison plots, keyed by file name."""
    by = "difficulty" if (metrics["breakdown"] == "difficulty").any() else "task"
    return {
        "accuracy_by_group.png": accuracy_by_group_figure(metrics, by),
        "length_distribution.png": length_distribution_figure(samples),
        "rates.png": rate_bars_figure(metrics),
    }
