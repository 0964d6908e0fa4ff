"""The `report` nodes on scored hand-made samples (no model needed), and the report's wiring."""

from __future__ import annotations

import pandas as pd
import pytest

from mathrl_pipeline.evaluation import breakdown, score_responses
from mathrl_pipeline.pipelines.evaluate.nodes import COMPARISON_PLOTS, compare_evaluations
from mathrl_pipeline.pipelines.evaluate.params import EvaluateParams
from mathrl_pipeline.pipelines.report import create_pipeline
from mathrl_pipeline.pipelines.report.nodes import (
    build_report,
    plot_aha_moment,
    report_mlflow_metrics,
)
from mathrl_pipeline.pipelines.report.params import ReportParams
from mathrl_pipeline.training.config import TrainParams
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
    labels = {"base": "base", "trained": "trained"}
    table, *plots = compare_evaluations(breakdown(base), breakdown(trained), base, trained, labels)
    bench = {"model_source": "/models/x/2026Z/base_model", "n_rows": 4, "scores": {}}
    return {
        "table": table,
        "plots": dict(zip(COMPARISON_PLOTS, plots, strict=True)),
        "base": base,
        "trained": trained,
        "bench": bench,
    }


def test_comparison_table_shows_the_improvement(inputs: dict[str, object]) -> None:
    table = inputs["table"]
    overall = table[table["breakdown"] == "all"].set_index("model")["accuracy"]
    assert overall["base"] == 0.0
    assert overall["trained"] == 0.75


def test_plots_are_rendered_at_100_dpi(inputs: dict[str, object]) -> None:
    assert {image.size for image in inputs["plots"].values()} == {(700, 360)}  # 7 x 3.6 in
    assert plot_aha_moment(train_metrics_table()).size == (1500, 340)  # 15 x 3.4 in


def test_report_mlflow_metrics_names(inputs: dict[str, object]) -> None:
    metrics = report_mlflow_metrics(inputs["table"])
    assert metrics["eval_trained_keep_accuracy"] == [{"step": 0, "value": 0.75}]


def test_build_report_embeds_the_saved_plots_and_the_run_parameters(
    inputs: dict[str, object],
) -> None:
    page = build_report(
        inputs["table"],
        inputs["base"],
        inputs["trained"],
        inputs["bench"],
        inputs["bench"],
        train_metrics_table(),
        plot_aha_moment(train_metrics_table()),
        **inputs["plots"],
        train=TrainParams(run_name="arith", output_dir="data/06_models/grpo_checkpoints/arith"),
        evaluate=EvaluateParams(limit=4),
        params=ReportParams(title="a run"),
    )
    assert page.count("<img") == 4
    assert "<title>a run</title>" in page
    assert "/models/x/2026Z/base_model" in page  # the model version
    assert "&quot;limit&quot;: 4" in page and "&quot;run_name&quot;: &quot;arith&quot;" in page
    shown = page.split("<h2>Parameters</h2>")[1]
    assert "&quot;train&quot;" in shown and "&quot;evaluate&quot;" in shown
    assert "&quot;deepmath&quot;" not in shown and "&quot;base_model&quot;" not in shown


def test_report_takes_the_run_blocks_and_the_saved_plots_never_all_parameters() -> None:
    pipe = create_pipeline()
    assert {i for n in pipe.nodes for i in n.inputs if i.startswith("param")} == {
        "params:train",
        "params:evaluate",
        "params:report",
    }
    plots = {f"eval_comparison_plot_{name}" for name in COMPARISON_PLOTS}
    (build,) = [n for n in pipe.nodes if n.name == "build_report"]
    assert plots | {"report_plot_aha_moment"} <= set(build.inputs)
    assert not plots & pipe.outputs()  # evaluate renders them, the report only embeds them
