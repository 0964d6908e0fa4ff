"""Project pipelines.

Every `pipelines/<name>` package registers under its own name (`deepmath`, `sat`, `train`, ...).
On top of those, one end-to-end R1-Zero run per task:

    grpo_<task> = <task> data -> base model -> evaluate(before) -> GRPO -> evaluate(after) -> report

`kedro run` runs `__default__`: the DeepMath data stage on its embedded generator, and the
miniature R1-Zero run `grpo_arith` (pre-trained tiny base model, GRPO with rule-based rewards,
evaluation before and after, report). `kedro run --pipelines grpo_sat` switches the whole run to
another task. The stand-alone `base_model`, `train` and `evaluate` pipelines are
wired to the default task's splits.
"""

from __future__ import annotations

import importlib
import pkgutil

from kedro.pipeline import Pipeline, pipeline

import mathrl_pipeline.pipelines as pipelines_package

# The task the stand-alone `base_model`, `train` and `evaluate` pipelines are wired to.
DEFAULT_TASK = "deepmath"

# task -> (train split, test split it is judged on); VisualThinker trains on SAT, judges on CV-Bench
GRPO_TASKS: dict[str, tuple[str, str]] = {
    "deepmath": ("deepmath_train", "deepmath_test"),
    "arith": ("arith_train", "arith_test"),
    "sat": ("sat_train", "cvbench_test"),
    "latex_ocr": ("latex_ocr_train", "latex_ocr_test"),
    "hf_vqa": ("hf_vqa_train", "hf_vqa_test"),
}
# data pipelines each GRPO run needs (SAT is judged on CV-Bench, so it also prepares it)
DATA_PIPELINES: dict[str, tuple[str, ...]] = {"sat": ("sat", "cvbench")}


def _model_pipelines(
    pipelines: dict[str, Pipeline], train_split: str, test_split: str
) -> dict[str, Pipeline]:
    """base_model, train and evaluate wired to one task's splits."""
    from mathrl_pipeline.pipelines.evaluate import create_pipeline as create_evaluate

    return {
        "base_model": pipeline(
            pipelines["base_model"], inputs={"tokenizer_corpus_split": train_split}
        ),
        "train": pipeline(pipelines["train"], inputs={"train_split": train_split}),
        "evaluate": create_evaluate(split=test_split),
    }


def _discover() -> dict[str, Pipeline]:
    """Every `pipelines/<name>` package's `create_pipeline()`.

    Kedro 1.7's `find_pipelines` loads only the pipelines a run asks for, but the `grpo_<task>`
    runs are built from several packages, so discovery here always loads all of them (their
    modules import no torch, so this stays cheap).
    """
    found: dict[str, Pipeline] = {}
    for module in pkgutil.iter_modules(pipelines_package.__path__):
        if module.ispkg:
            package = importlib.import_module(f"{pipelines_package.__name__}.{module.name}")
            found[module.name] = package.create_pipeline()
    return found


def _grpo_arith(raw: dict[str, Pipeline]) -> Pipeline:
    """The miniature R1-Zero run: arith data -> pre-trained tiny base model -> GRPO, evaluated."""
    from mathrl_pipeline.pipelines.base_model import create_pipeline as create_base_model
    from mathrl_pipeline.pipelines.evaluate import create_pipeline as create_evaluate

    corpus = "arith_pretrain_corpus"
    base_model = pipeline(
        create_base_model(pretrain=True, params="base_model_arith"),
        inputs={"tokenizer_corpus_split": corpus, "pretrain_corpus": corpus},
    )
    train = pipeline(
        raw["train"],
        inputs={"train_split": "arith_train"},
        parameters={"params:train": "params:train_arith"},
    )
    return raw["arith"] + base_model + train + create_evaluate(split="arith_test") + raw["report"]


def register_pipelines() -> dict[str, Pipeline]:
    """Register every `pipelines/<name>` package, the `grpo_<task>` runs and `__default__`."""
    pipelines = _discover()
    raw = dict(pipelines)
    for task, (train_split, test_split) in GRPO_TASKS.items():
        data = sum(
            (raw[name] for name in DATA_PIPELINES.get(task, (task,))), Pipeline([])
        )
        model = _model_pipelines(raw, train_split, test_split)
        pipelines[f"grpo_{task}"] = (
            data + model["base_model"] + model["train"] + model["evaluate"] + raw["report"]
        )
    pipelines["grpo_arith"] = _grpo_arith(raw)
    pipelines.update(_model_pipelines(raw, *GRPO_TASKS[DEFAULT_TASK]))
    pipelines["__default__"] = raw["deepmath"] + pipelines["grpo_arith"]
    return pipelines
