"""The `evaluate` pipeline: two-model wiring, typed parameters, a run on the tiny model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.pickle import PickleDataset
from pydantic import ValidationError

from mathrl_pipeline.evaluation import DecodeSettings, score_responses
from mathrl_pipeline.pipelines.evaluate import create_model_pipeline, create_pipeline
from mathrl_pipeline.pipelines.evaluate.nodes import summarise_eval
from mathrl_pipeline.pipelines.evaluate.params import EvaluateParams
from mathrl_pipeline.rewards import SandboxSettings
from tests.evaluation.helpers import build_tiny_model_dir, make_split, param_datasets
from tests.kedro_helpers import run_pipelines

KEPT = ("eval_base_eval_samples", "eval_comparison", "eval_trained_eval_benchmarks")
PARAMS = {
    "limit": 3,
    "batch_size": 2,
    "styles": ["keep", "direct"],
    "greedy": {"max_new_tokens": 6},
    "sampled": {"num_samples": 2, "max_new_tokens": 6},
    "pass_k": [1, 2],
}
PARAM_INPUTS = {
    "params:evaluate",
    "params:evaluate.extract_mode",
    "params:evaluate.labels",
    "params:reward_sandbox",
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model_dir(tmp_path_factory.mktemp("tiny"))


def test_create_pipeline_namespaces_both_models_and_compares() -> None:
    pipe = create_pipeline()
    assert pipe.inputs() == {"base_model", "trained_model", "deepmath_test", *PARAM_INPUTS}
    outputs = pipe.outputs()
    for ns in ("eval_base", "eval_trained"):
        assert {f"{ns}_eval_samples", f"{ns}_eval_metrics", f"{ns}_eval_benchmarks"} <= (
            outputs | {d for n in pipe.nodes for d in n.outputs}
        )
    assert "eval_comparison" in outputs
    assert all(n.name for n in pipe.nodes)


def test_no_node_takes_all_parameters() -> None:
    assert all("parameters" not in n.inputs for n in create_pipeline().nodes)


def test_template_can_be_mapped_to_any_model_and_split() -> None:
    from kedro.pipeline import pipeline

    template = create_model_pipeline()
    shared = {name: name for name in template.inputs() if name.startswith("params:")}
    pipe = pipeline(
        template,
        inputs={"eval_model": "trained_model", "eval_split": "cvbench_test"},
        parameters=shared,
        namespace="eval_cvbench",
    )
    assert pipe.inputs() == {"trained_model", "cvbench_test", *PARAM_INPUTS} - {
        "params:evaluate.labels"
    }
    assert "eval_cvbench.eval_metrics" in pipe.outputs()


def test_evaluate_runs_on_tiny_model(model_dir: Path, tmp_path: Path) -> None:
    catalog = DataCatalog(
        {
            "base_model": MemoryDataset(str(model_dir)),
            "trained_model": MemoryDataset(str(model_dir)),
            "deepmath_test": MemoryDataset(make_split(5)),
            **param_datasets(
                evaluate=EvaluateParams.model_validate(PARAMS), reward_sandbox=SandboxSettings()
            ),
            # on disk, so that the runner does not release them after their consumers ran
            **{name: PickleDataset(filepath=str(tmp_path / f"{name}.pkl")) for name in KEPT},
        }
    )
    outputs = SequentialRunner().run(create_pipeline(), catalog)
    samples = catalog["eval_base_eval_samples"].load()
    # 3 rows x 2 styles x (1 greedy + 2 samples)
    assert len(samples) == 3 * 2 * 3
    assert {
        "id",
        "prompt",
        "response",
        "extracted",
        "gold",
        "correct",
        "format_ok",
        "length",
        "truncated",
        "reflection_count",
        "model_source",
    } <= set(samples.columns)
    assert (samples["length"] <= 6).all()
    table = catalog["eval_comparison"].load()
    overall = table[table["breakdown"] == "all"]
    assert sorted(zip(overall["model"], overall["style"], strict=True)) == [
        ("base", "direct"),
        ("base", "keep"),
        ("trained", "direct"),
        ("trained", "keep"),
    ]
    assert {
        "accuracy",
        "pass@1",
        "pass@2",
        "format_rate",
        "mean_length",
        "truncation_rate",
        "reflection_rate",
    } <= set(table.columns)
    assert set(table["breakdown"]) == {"all", "difficulty", "topic"}
    bench = catalog["eval_trained_eval_benchmarks"].load()
    assert bench["model_source"] == str(model_dir)
    assert set(bench["scores"]) == {"keep", "direct"}
    # the comparison plots come out rendered, once, as PNG images
    plots = {k: v for k, v in outputs.items() if k.startswith("eval_comparison_plot_")}
    assert len(plots) == 3 and all(data.load().size[0] > 100 for data in plots.values())


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"styles": []}, "styles is empty"),  # nothing to evaluate
        ({"pass_k": [8]}, "pass_k"),  # k above the number of samples
        ({"backend": "tgi"}, "backend"),  # unknown backend
        ({"greedy": None, "sampled": None}, "enable"),  # no decoding
        ({"sampled": {"top_p": 2}}, "sampled.top_p"),  # a bad decode setting names itself
        ({"greedy": {"do_sample": True}}, "greedy decoding"),  # greedy must be greedy
        ({"sampled": {"do_sample": False}}, "do_sample true"),  # samples must sample
        ({"scorers": {"sat": "nope"}}, "unknown scorers"),  # scorer names from the registry
        ({"extract_mode": "first_line"}, "extract_mode"),  # extraction modes of the rewards
    ],
)
def test_params_are_validated(override: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EvaluateParams.model_validate({**PARAMS, **override})


def test_decode_blocks_are_decode_settings_over_their_defaults() -> None:
    params = EvaluateParams.model_validate(PARAMS)
    assert params.greedy == DecodeSettings(max_new_tokens=6)
    assert params.sampled == DecodeSettings(do_sample=True, num_samples=2, max_new_tokens=6)
    assert EvaluateParams().sampled == DecodeSettings(do_sample=True, num_samples=4)
    assert EvaluateParams.model_validate({"greedy": None}).greedy is None  # switched off


def test_no_sampling_means_no_pass_at_k() -> None:
    split = make_split(2)
    responses = pd.DataFrame(
        [
            {
                "id": f"deepmath-{i}",
                "style": "keep",
                "mode": "greedy",
                "sample": 0,
                "prompt": "q",
                "response": "<answer>0</answer>",
                "length": 3,
                "truncated": False,
            }
            for i in range(2)
        ]
    )
    samples = score_responses(responses, split).assign(model_source="m")
    params = EvaluateParams.model_validate({"sampled": None, "pass_k": []})
    metrics, bench = summarise_eval(samples, params, SandboxSettings())
    assert not [c for c in metrics.columns if c.startswith("pass@")]
    assert bench["scores"]["keep"]["deepmath"] == {"accuracy": 0.0, "n": 2.0}


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("evaluate.batch_size", 0, "batch_size"),
        ("evaluate.sampled.top_p", 2.0, "sampled.top_p"),
        ("evaluate.greedy.max_new_tokens", "many", "greedy.max_new_tokens"),
        ("reward_sandbox.timeout_s", 0, "timeout_s"),
    ],
)
def test_a_bad_value_fails_before_any_node_runs(
    project_root: Path, tmp_path: Path, key: str, value: object, named: str
) -> None:
    from kedro.validation import ParameterValidationError

    with pytest.raises(ParameterValidationError) as err:
        run_pipelines(project_root, tmp_path, ["evaluate"], {key: value})
    message = str(err.value)
    # the block set, or the run's block that extends it (evaluate -> evaluate_deepmath)
    assert f"Parameter '{key.split('.', maxsplit=1)[0]}" in message and named in message
    assert not any(tmp_path.iterdir())  # nothing ran, nothing was written
