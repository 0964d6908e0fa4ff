"""Project pipelines: one per stage, and one R1-Zero run per task built from the table below.

    grpo_<task> = <task> data -> base_model -> evaluate (before) -> train -> evaluate (after)
                  -> report

`kedro run` runs `__default__`: the DeepMath data stage on its embedded generator, and the
miniature R1-Zero run `grpo_arith` (pre-trained tiny base model, GRPO with rule-based rewards,
evaluation before and after, report). `kedro run --pipelines grpo_sat` switches the whole run to
another task. Each run reads its own parameter blocks `base_model_<task>`, `train_<task>` and
`evaluate_<task>`, which extend the shared `base_model`, `train` and `evaluate` blocks
(`_extends`, see config_loader.py) and hold only what differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from kedro.pipeline import Pipeline, pipeline

from mathrl_pipeline.pipelines import (
    arith,
    base_model,
    cvbench,
    deepmath,
    evaluate,
    hf_vqa,
    latex_ocr,
    mixture,
    report,
    sat,
    train,
)


def stage(pipe: Pipeline, name: str) -> Pipeline:
    """``pipe``'s nodes in namespace ``name`` (kedro-viz draws a stage as one box that expands on
    click, ``kedro run --namespaces name`` runs it); dataset names are kept as they are."""
    return pipeline(pipe, namespace=name, prefix_datasets_with_namespace=False)


# Namespaces: the top-level graph reads data -> base_model -> train -> evaluate -> report.
DATA_NAMESPACE = "data"
DATA_PIPELINES: dict[str, Pipeline] = {
    module.__name__.rsplit(".", 1)[-1]: stage(module.create_pipeline(), DATA_NAMESPACE)
    for module in (arith, cvbench, deepmath, hf_vqa, latex_ocr, mixture, sat)
}
STAGES: tuple[str, ...] = ("base_model", "train", "evaluate")


@dataclass(frozen=True)
class GrpoRun:
    """One R1-Zero run: the data pipelines it needs, the split it trains on, the split it is
    judged on, and the corpus its (embedded) base model is pre-trained on, if any."""

    data: tuple[str, ...]
    train_split: str
    test_split: str
    pretrain_corpus: str | None = None


RUNS: dict[str, GrpoRun] = {
    # the miniature run of the embedded default (docs/miniature_r1_zero.md)
    "arith": GrpoRun(("arith",), "arith_train", "arith_test", "arith_pretrain_corpus"),
    # Math-OCR-Zero
    "deepmath": GrpoRun(("deepmath",), "deepmath_train", "deepmath_test"),
    # VisualThinker-R1-Zero: trained on SAT, judged on CV-Bench
    "sat": GrpoRun(("sat", "cvbench"), "sat_train", "cvbench_test"),
    # the LaTeX-OCR GRPO recipe
    "latex_ocr": GrpoRun(("latex_ocr",), "latex_ocr_train", "latex_ocr_test"),
    # R1-V / open-r1-multimodal
    "hf_vqa": GrpoRun(("hf_vqa",), "hf_vqa_train", "hf_vqa_test"),
    # a weighted mixture of the tasks above, judged per task on their test splits
    "mixture": GrpoRun(("deepmath", "hf_vqa", "latex_ocr", "sat", "mixture"), "mixture_train",
                       "mixture_test"),
}
# The run the stand-alone `base_model`, `train` and `evaluate` pipelines are wired to.
DEFAULT_RUN = "deepmath"
# The run of `__default__` (`kedro run`): the DeepMath data stage, then the miniature `grpo_arith`.
DEFAULT_PIPELINE_RUN = "arith"


def use_blocks(pipe: Pipeline, blocks: dict[str, str]) -> Pipeline:
    """``pipe`` reading parameter block ``new`` wherever it read ``old`` (and ``old.<key>``)."""
    mapping = {}
    for name in pipe.inputs():
        for old, new in blocks.items():
            if name == f"params:{old}" or name.startswith(f"params:{old}."):
                mapping[name] = f"params:{new}" + name.removeprefix(f"params:{old}")
    return pipeline(pipe, parameters=mapping) if mapping else pipe


def model_pipelines(task: str) -> dict[str, Pipeline]:
    """``base_model``, ``train``, ``evaluate`` and ``report`` wired to one run's splits and blocks
    (the report shows the run's own ``train_<task>`` and ``evaluate_<task>``)."""
    run = RUNS[task]
    pretrain = run.pretrain_corpus is not None
    corpus = run.pretrain_corpus or run.train_split
    base = pipeline(base_model.create_pipeline(pretrain=pretrain),
                    inputs={"tokenizer_corpus_split": corpus,
                            **({"pretrain_corpus": corpus} if pretrain else {})})
    stages = {
        "base_model": base,
        "train": pipeline(train.create_pipeline(), inputs={"train_split": run.train_split}),
        "evaluate": evaluate.create_pipeline(split=run.test_split),
        "report": report.create_pipeline(),
    }
    blocks = {name: f"{name}_{task}" for name in STAGES}
    return {name: stage(use_blocks(pipe, blocks), name) for name, pipe in stages.items()}


def grpo_run(task: str) -> Pipeline:
    """The whole R1-Zero run of ``task`` (see the module docstring)."""
    stages = model_pipelines(task)
    data = sum((DATA_PIPELINES[name] for name in RUNS[task].data), Pipeline([]))
    return data + stages["base_model"] + stages["train"] + stages["evaluate"] + stages["report"]


def register_pipelines() -> dict[str, Pipeline]:
    """Every data and stage pipeline, the `grpo_<task>` runs and `__default__`."""
    pipelines: dict[str, Pipeline] = dict(DATA_PIPELINES)
    pipelines.update(model_pipelines(DEFAULT_RUN))
    pipelines.update({f"grpo_{task}": grpo_run(task) for task in RUNS})
    pipelines["__default__"] = (DATA_PIPELINES["deepmath"]
                                + pipelines[f"grpo_{DEFAULT_PIPELINE_RUN}"])
    return pipelines


def task_of(pipeline_name: str) -> str:
    """The task a registered pipeline works on: ``grpo_<task>`` its task, ``__default__``
    :data:`DEFAULT_PIPELINE_RUN`, a stage pipeline :data:`DEFAULT_RUN`, a data pipeline itself."""
    if pipeline_name == "__default__":
        return DEFAULT_PIPELINE_RUN
    if pipeline_name.startswith("grpo_") and pipeline_name.removeprefix("grpo_") in RUNS:
        return pipeline_name.removeprefix("grpo_")
    if pipeline_name in (*STAGES, "report"):
        return DEFAULT_RUN
    return pipeline_name
