"""The `report` nodes on scored hand-made samples (no model needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from mathrl_pipeline.evaluation import breakdown, score_responses
from mathrl_pipeline.pipelines.evaluate.nodes import compare_evaluations
from mathrl_pipeline.pipelines.report.nodes import (
    REPORT_PLOTS,
    build_report,
    plot_report,
    report_mlflow_metrics,
)
from tests.evaluation.helpers import make_split, train_metrics_table


def _samples(answers: list[str]) -> pd.DataFrame:
    split = make_split(len(answers))
    responses = pd.DataFrame(
        [
            {
                "id": f"deepmath-{i}",
                "style": "keep",
                "mode": "greedy",
                "sample": 0,
                "prompt": "q",
                "response": f"<think>wait</think><answer>{a}</answer>",
                "length": 5 + i,
                "truncated": False,
            }
            for i, a in enumerate(answers)
        ]
    )
    return score_responses(responses, split).assign(model_source="/models/x/2026Z/base_model")


@pytest.fixture(scope="module")
def inputs() -> dict[str, object]:
    base = _samples(["0", "0", "0", "0"])  # all wrong
    trained = _samples(["4", "0", "10", "13"])  # 1+3, 3+7, 4+9 right
    params = {"sampled": {"enabled": False}, "pass_k": []}
    table, *_ = compare_evaluations(breakdown(base), breakdown(trained), base, trained, params)
    bench = {"model_source": "/models/x/2026Z/base_model", "n_rows": 4, "scores": {}}
    return {"table": table, "base": base, "trained": trained, "bench": bench}


def test_comparison_table_shows_the_improvement(inputs: dict[str, object]) -> None:
    table = inputs["table"]
    overall = table[table["breakdown"] == "all"].set_index("model")["accuracy"]
    assert overall["base"] == 0.0
    assert overall["trained"] == 0.75


def test_plot_report_gives_every_figure(inputs: dict[str, object]) -> None:
    figures = plot_report(inputs["table"], inputs["base"], inputs["trained"], train_metrics_table())
    assert len(figures) == len(REPORT_PLOTS)
    assert all(fig.axes for fig in figures)


def test_report_mlflow_metrics_names(inputs: dict[str, object]) -> None:
    metrics = report_mlflow_metrics(inputs["table"])
    assert metrics["eval_trained_keep_accuracy"] == [{"step": 0, "value": 0.75}]


def test_build_report_links_versions_and_parameters(inputs: dict[str, object]) -> None:
    page, logged = build_report(
        inputs["table"],
        inputs["base"],
        inputs["trained"],
        inputs["bench"],
        inputs["bench"],
        train_metrics_table(),
        {"evaluate": {"limit": 4}, "secret_other": 1},
        {"parameter_keys": ["evaluate"], "versioned_paths": {"nothing": "/no/such/path"}},
    )
    assert page == logged
    assert page.count("<img") == len(REPORT_PLOTS)
    assert "/models/x/2026Z/base_model" in page  # the model version
    assert "version: nothing" in page
    assert "&quot;limit&quot;: 4" in page and "secret_other" not in page
