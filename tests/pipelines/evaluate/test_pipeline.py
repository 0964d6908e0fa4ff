"""The `evaluate` pipeline: two-model wiring, and a run on the tiny model (in-memory catalog)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.pickle import PickleDataset
from pydantic import ValidationError

from mathrl_pipeline.pipelines.evaluate import create_model_pipeline, create_pipeline
from mathrl_pipeline.pipelines.evaluate.params import EvaluateParams
from tests.evaluation.helpers import build_tiny_model_dir, make_split

KEPT = ("eval_base.eval_samples", "eval_comparison", "eval_trained.eval_benchmarks")
PARAMS = {
    "limit": 3,
    "batch_size": 2,
    "styles": ["keep", "direct"],
    "greedy": {"max_new_tokens": 6},
    "sampled": {"num_samples": 2, "max_new_tokens": 6},
    "pass_k": [1, 2],
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model_dir(tmp_path_factory.mktemp("tiny"))


def test_create_pipeline_namespaces_both_models_and_compares() -> None:
    pipe = create_pipeline()
    assert pipe.inputs() == {"base_model", "trained_model", "deepmath_test", "params:evaluate"}
    outputs = pipe.outputs()
    for ns in ("eval_base", "eval_trained"):
        assert {f"{ns}.eval_samples", f"{ns}.eval_metrics", f"{ns}.eval_benchmarks"} <= (
            outputs | {d for n in pipe.nodes for d in n.outputs}
        )
    assert "eval_comparison" in outputs
    assert all(n.name for n in pipe.nodes)


def test_template_can_be_mapped_to_any_model_and_split() -> None:
    from kedro.pipeline import pipeline

    pipe = pipeline(
        create_model_pipeline(),
        inputs={"eval_model": "trained_model", "eval_split": "cvbench_test"},
        parameters={"params:evaluate": "params:evaluate"},
        namespace="eval_cvbench",
    )
    assert pipe.inputs() == {"trained_model", "cvbench_test", "params:evaluate"}
    assert "eval_cvbench.eval_metrics" in pipe.outputs()


def test_evaluate_runs_on_tiny_model(model_dir: Path, tmp_path: Path) -> None:
    catalog = DataCatalog(
        {
            "base_model": MemoryDataset(str(model_dir)),
            "trained_model": MemoryDataset(str(model_dir)),
            "deepmath_test": MemoryDataset(make_split(5)),
            "params:evaluate": MemoryDataset(PARAMS),
            # on disk, so that the runner does not release them after their consumers ran
            **{name: PickleDataset(filepath=str(tmp_path / f"{name}.pkl")) for name in KEPT},
        }
    )
    SequentialRunner().run(create_pipeline(), catalog)
    samples = catalog["eval_base.eval_samples"].load()
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
    bench = catalog["eval_trained.eval_benchmarks"].load()
    assert bench["model_source"] == str(model_dir)
    assert set(bench["scores"]) == {"keep", "direct"}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"styles": []}, "styles is empty"),  # nothing to evaluate
        ({"pass_k": [8]}, "pass_k"),  # k above the number of samples
        ({"backend": "tgi"}, "backend"),  # unknown backend
        ({"greedy": {"enabled": False}, "sampled": {"enabled": False}}, "enable"),  # no decoding
    ],
)
def test_params_are_validated(override: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EvaluateParams.model_validate({**PARAMS, **override})
