"""`docs/architecture.md`'s four "How to add" paths, walked with a toy one each, the way the page
says: a task, a reward, a model family and a benchmark scorer. A step the code no longer takes
fails here, so the page cannot drift from the code."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kedro.pipeline import Node, Pipeline
from PIL import Image
from pydantic import ValidationError

from mathrl_pipeline.contract import CONTRACT_COLUMNS, completion_text, contract_frame
from mathrl_pipeline.pipelines.data.pipeline import (
    ingest_node,
    rejects_node,
    report_node,
    split_node,
    task_pipeline,
)
from mathrl_pipeline.tasks.images import image_cell, to_png_bytes
from mathrl_pipeline.tasks.ingest import SOURCE_ROW, EmbeddedParams, SourceParams, is_embedded
from mathrl_pipeline.tasks.prompts import DEFAULT_INSTRUCTION, PromptParams, PromptTemplate
from mathrl_pipeline.tasks.rejects import (
    EMPTY_QUESTION,
    RowError,
    check_rows,
    rejects_frame,
    require_rows,
)
from tests.kedro_helpers import latest_version, run_pipelines

# ---------------------------------------------------------------------------------------------
# How to add a task. Step 1: the task module (here, in this file): generate, validate, build rows.

TOY = "toy"
PNG = to_png_bytes(Image.new("RGB", (28, 28), "white"))


def generate_toy(embedded: EmbeddedParams, source: SourceParams) -> pd.DataFrame:
    """``count`` sums in the toy source's schema (``q``, ``a``), plus broken rows if asked."""
    if not is_embedded(source):
        return pd.DataFrame(columns=["q", "a"])
    rows = [{"q": f"What is {i} + 1?", "a": str(i + 1)} for i in range(embedded.count)]
    rows += [{"q": "", "a": "0"}] * embedded.malformed_rows
    return pd.DataFrame(rows)


def _check_toy_row(row: dict[str, Any]) -> dict[str, Any]:
    if not row["question"]:
        raise RowError(EMPTY_QUESTION, "missing or empty question")
    return {"question": row["question"], "answer": str(row["answer"])}


def validate_toy(rows: pd.DataFrame, source: SourceParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows with a question; the others are rejects."""
    kept, rejects = check_rows(rows, _check_toy_row, lambda row: f"{TOY}-{row[SOURCE_ROW]}")
    require_rows(f"{TOY} validate", source.path, len(rows), len(kept), rejects)
    return pd.DataFrame(kept, columns=["id", "question", "answer"]), rejects_frame(rejects)


def build_toy_rows(valid: pd.DataFrame, prompt: PromptParams) -> pd.DataFrame:
    """Contract rows: the R1 prompt, a blank image, the sum as a number."""
    built = PromptTemplate.from_params(prompt).build(prompt.instruction or DEFAULT_INSTRUCTION)
    rows = [
        {"id": row["id"], "task": TOY, "prompt": built, "image": image_cell(PNG),
         "solution": row["answer"], "answer_type": "number", "question": row["question"],
         "difficulty": None, "topic": None, "choices": None}
        for row in valid.to_dict("records")
    ]
    return contract_frame(rows)


# Step 2: the task's pipeline, its own nodes plus the shared stages.
def create_toy_pipeline() -> Pipeline:
    return task_pipeline(TOY, [
        Node(generate_toy, ["params:toy.embedded", "params:toy.source"], "toy_raw",
             name="generate_toy"),
        ingest_node(TOY),
        Node(validate_toy, ["toy_ingested", "params:toy.source"],
             ["toy_valid", "toy_rejects_validate"], name="validate_toy"),
        Node(build_toy_rows, ["toy_valid", "params:toy.prompt"], "toy_model_input",
             name="build_toy_prompts"),
        split_node(TOY),
        rejects_node(TOY, ["validate"]),
        report_node(TOY, "toy_ingested", ["train", "test"], source="toy_source"),
    ])


# Step 3: conf/base/parameters_toy.yml.
TOY_PARAMETERS = """
toy:
  source:
    columns: {question: q, answer: a}
  embedded:
    count: 8
    malformed_rows: 1
  prompt: {}
  split:
    test_fraction: 0.25
    seed: 0
train_toy:
  _extends: train
  run_name: toy
  output_dir: ${runtime_params:data_dir, data}/06_models/grpo_checkpoints/toy
base_model_toy: {_extends: base_model}
evaluate_toy: {_extends: evaluate}
"""


@pytest.fixture
def toy_task(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Step 4: the pipeline in ``DATA_PIPELINES`` and its run in ``RUNS``."""
    from kedro.framework.project import pipelines

    from mathrl_pipeline import pipeline_registry

    monkeypatch.setitem(pipeline_registry.DATA_PIPELINES, TOY, create_toy_pipeline())
    monkeypatch.setitem(pipeline_registry.RUNS, TOY,
                        pipeline_registry.GrpoRun((TOY,), "toy_train", "toy_test"))
    yield
    pipelines.configure("mathrl_pipeline.pipeline_registry")  # forget the toy pipelines


def test_a_task_added_the_documented_way_runs_and_writes_its_splits(
    project_root: Path, tmp_path: Path, toy_task: None
) -> None:
    from mathrl_pipeline.pipeline_registry import register_pipelines

    conf = tmp_path / "conf"
    shutil.copytree(project_root / "conf", conf)
    (conf / "base" / "parameters_toy.yml").write_text(TOY_PARAMETERS)

    registered = register_pipelines()
    assert {n.name for n in create_toy_pipeline().nodes} <= {n.name for n in
                                                             registered["grpo_toy"].nodes}
    assert {"params:train_toy", "params:evaluate_toy"} <= registered["grpo_toy"].inputs()

    data = tmp_path / "data"
    run_pipelines(project_root, data, [TOY], conf_source=conf)

    train, test = (pd.read_parquet(latest_version(data / "05_model_input" / f"toy_{s}.parquet"))
                   for s in ("train", "test"))
    assert (len(train), len(test)) == (6, 2)  # 8 valid rows, test_fraction 0.25
    assert list(train.columns) == list(CONTRACT_COLUMNS)
    both = pd.concat([train, test])
    assert set(both["task"]) == {TOY}
    assert sorted(both["solution"], key=int) == [str(i + 1) for i in range(8)]
    assert both["image"].iloc[0]["bytes"] == PNG
    rejects = pd.read_parquet(latest_version(data / "08_reporting" / "toy_rejects.parquet"))
    assert list(rejects["reason"]) == [EMPTY_QUESTION]
    report = json.loads(latest_version(data / "08_reporting" / "toy_report.json").read_text())
    assert report["source"]["kind"] == "embedded"


# ---------------------------------------------------------------------------------------------
# How to add a reward: a class whose instances follow TRL's contract, registered by name.


class ToyContainsReward:
    """1.0 when the completion contains the gold, else 0.0; None for a row without a gold."""

    def __init__(self, bonus: float = 0.0) -> None:
        self.bonus = bonus

    def __call__(self, completions: list[Any], **columns: Any) -> list[float | None]:
        return [None if not gold else float(str(gold) in completion_text(c)) + self.bonus
                for c, gold in zip(completions, columns["solution"], strict=True)]


def test_a_reward_added_the_documented_way_is_built_by_the_trainer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mathrl_pipeline.rewards import registry
    from mathrl_pipeline.training.callbacks import CompletionLog
    from mathrl_pipeline.training.config import TrainParams
    from mathrl_pipeline.training.runner import build_reward_functions

    with pytest.raises(ValidationError, match="unknown reward 'toy_contains'"):
        TrainParams(run_name=TOY, output_dir=str(tmp_path), rewards=[{"name": "toy_contains"}])
    monkeypatch.setitem(registry.REWARDS, "toy_contains", ToyContainsReward)
    params = TrainParams(run_name=TOY, output_dir=str(tmp_path), rewards=[
        {"name": "toy_contains", "weight": 0.5, "kwargs": {"bonus": 0.25}}, {"name": "format"}])

    funcs, weights, _ = build_reward_functions(params, CompletionLog())
    assert weights == [0.5, 1.0]
    assert funcs[0].__name__ == "toy_contains"  # TRL logs rewards/toy_contains/mean
    completions = [[{"role": "assistant", "content": f"<answer>{a}</answer>"}] for a in "234"]
    rewards = funcs[0](prompts=["q"] * 3, completions=completions, completion_ids=[[1]] * 3,
                       solution=["2", "5", ""], answer_type=["number"] * 3, trainer_state=None)
    assert rewards == [1.25, 0.25, None]


# ---------------------------------------------------------------------------------------------
# How to add a benchmark scorer: a function in SCORERS, chosen by name for a task.


def toy_scorer(samples: pd.DataFrame) -> dict[str, float]:
    """How many of the toy task's greedy answers are right, and out of how many."""
    return {"right": float(samples["correct"].sum()), "of": float(len(samples))}


def test_a_scorer_added_the_documented_way_scores_the_task_in_the_evaluate_node(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mathrl_pipeline.evaluation import score_responses, scorers
    from mathrl_pipeline.pipelines.evaluate.nodes import summarise_eval
    from mathrl_pipeline.pipelines.evaluate.params import EvaluateParams
    from mathrl_pipeline.rewards import SandboxSettings

    block = {"scorers": {TOY: "toy_right"}, "sampled": None, "pass_k": []}  # evaluate_toy
    with pytest.raises(ValidationError, match="unknown scorers \\['toy_right'\\]"):
        EvaluateParams.model_validate(block)
    monkeypatch.setitem(scorers.SCORERS, "toy_right", toy_scorer)
    params = EvaluateParams.model_validate(block)

    valid = pd.DataFrame({"id": [f"toy-{i}" for i in range(3)], "question": ["q"] * 3,
                          "answer": ["1", "2", "3"]})
    split = build_toy_rows(valid, PromptParams())
    responses = pd.DataFrame([
        {"id": f"toy-{i}", "style": "keep", "mode": "greedy", "sample": 0, "prompt": "q",
         "response": f"<think>sum</think><answer>{answer}</answer>", "length": 9,
         "truncated": False}
        for i, answer in enumerate(["1", "2", "7"])
    ])
    samples = score_responses(responses, split).assign(model_source="m")
    _, benchmarks = summarise_eval(samples, params, SandboxSettings())
    assert benchmarks["scores"]["keep"][TOY] == {"right": 2.0, "of": 3.0}


# ---------------------------------------------------------------------------------------------
# How to add a model family: one module of mathrl_pipeline.models defining FAMILY.

TOY_FAMILY_MODULE = textwrap.dedent(
    """
    '''The Toy-VL family: Qwen2.5-VL's architecture under another model_type.'''
    import dataclasses

    from mathrl_pipeline.models import qwen2_5_vl

    FAMILY = dataclasses.replace(qwen2_5_vl.FAMILY, name="Toy-VL", model_types=("toy_vl",))
    """
)


@pytest.fixture
def toy_family_module(tmp_path: Path) -> Iterator[None]:
    """``toy_vl.py`` in a folder of the ``mathrl_pipeline.models`` package, removed after."""
    from mathrl_pipeline import models
    from mathrl_pipeline.models import families

    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "toy_vl.py").write_text(TOY_FAMILY_MODULE)
    original = models.__path__
    models.__path__ = [*original, str(folder)]
    try:
        yield
    finally:
        models.__path__ = original
        sys.modules.pop("mathrl_pipeline.models.toy_vl", None)
        if hasattr(models, "toy_vl"):
            delattr(models, "toy_vl")
        families.cache_clear()


def test_a_model_family_added_the_documented_way_is_found_by_model_type(
    toy_family_module: None, tmp_path: Path
) -> None:
    from transformers import AutoConfig, Qwen2_5_VLConfig
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    from mathrl_pipeline.models import families, family_for
    from mathrl_pipeline.models.loading import family_of
    from mathrl_pipeline.models.tiny import TinyModelSpec

    families.cache_clear()  # the registry is cached: read the package again
    family = family_for("toy_vl")
    assert family.name == "Toy-VL" and family in families()
    assert family_for({"model_type": "toy_vl"}) is family  # a config.json
    assert dataclasses.replace(family, name="Qwen2.5-VL", model_types=("qwen2_5_vl",)) \
        == family_for("qwen2_5_vl")
    assert TinyModelSpec(model_type="toy_vl").model_type == "toy_vl"  # base_model.tiny

    class ToyVLConfig(Qwen2_5_VLConfig):
        model_type = "toy_vl"

    AutoConfig.register("toy_vl", ToyVLConfig)
    try:
        ToyVLConfig().save_pretrained(tmp_path / "toy_model")
        assert family_of(str(tmp_path / "toy_model")) is family  # how train/evaluate choose
    finally:
        CONFIG_MAPPING._extra_content.pop("toy_vl", None)
