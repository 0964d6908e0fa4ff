"""The report's aha-moment figure: one panel per curve, the format reward beside the total."""

from __future__ import annotations

import pandas as pd
import pytest

from mathrl_pipeline.evaluation.plots import AHA_PANELS, aha_moment_figure


def _metrics(columns: list[str], steps: int = 8) -> pd.DataFrame:
    return pd.DataFrame({"step": range(1, steps + 1), **{c: [0.1 * s for s in range(steps)]
                                                         for c in columns}})


@pytest.mark.parametrize(
    ("columns", "lines_per_panel"),
    [
        # everything logged: reward + format in the first panel (raw and smoothed lines each)
        (["reward", "rewards/format/mean", "rewards/accuracy/mean", "completions/mean_length",
          "reflection_rate"], [4, 2, 2, 2]),
        # no per-reward columns: the total reward stands in for the accuracy reward
        (["reward", "completions/mean_length"], [2, 2, 2, 0]),
        # nothing logged but steps: every panel says so
        ([], [0, 0, 0, 0]),
    ],
)
def test_aha_moment_panels(columns: list[str], lines_per_panel: list[int]) -> None:
    fig = aha_moment_figure(_metrics(columns))
    assert len(fig.axes) == len(AHA_PANELS) == 4
    assert [len(ax.lines) for ax in fig.axes] == lines_per_panel
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "Reward (total) and format reward"
    for ax, lines in zip(fig.axes, lines_per_panel, strict=True):
        if not lines:
            assert any(t.get_text() == "not logged" for t in ax.texts)


def test_aha_moment_without_metrics() -> None:
    fig = aha_moment_figure(None)
    assert all(any(t.get_text() == "not logged" for t in ax.texts) for ax in fig.axes)
