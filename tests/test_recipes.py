"""The seeds' recipes in conf/gpu, read as `kedro run --env gpu --pipelines grpo_<task>` reads
them, checked knob by knob against the anchors' own launch scripts (cited beside each value).

Sources (stored snapshots; /work/notes/models_and_anchors.md part B):
MOZ  minlik/math-ocr-zero @598aa00 examples/grpo_trainer/run_qwen2_5_vl-3b-deepmath.sh (verl)
VT   turningpoint-ai/VisualThinker-R1-Zero @cd71978 src/open-r1-multimodal/run_grpo_SAT.sh
R1V  Deep-Agent/R1-V @bbbbe3d README.md "GRPO" (CLEVR), src/scripts/run_grpo_vllm_qwen25vl.sh
OR1  EvolvingLMMs-Lab/open-r1-multimodal @232b7ba local_scripts/train_qwen2_vl.sh, README.md
TEX  starkiby/mathocr @c94f396 src/ocr/grpo_ft/run.yaml, grpo.py, zero.yaml
TRL  trl v0.14.0 trl/trainer/grpo_config.py (pinned by VT and R1-V: defaults they leave unset)
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest

from mathrl_pipeline.config_loader import ProjectConfigLoader
from mathrl_pipeline.pipeline_registry import RUNS
from mathrl_pipeline.pipelines.evaluate.params import EvaluateParams
from mathrl_pipeline.tasks.hf_vqa import HfVqaSource
from mathrl_pipeline.tasks.ingest import EMBEDDED, SourceParams
from mathrl_pipeline.training.config import TrainParams
from tests.kedro_helpers import nest

SEEDS = ("deepmath", "sat", "hf_vqa", "latex_ocr")
# how to switch grpo_hf_vqa to another preset's recipe (conf/gpu/parameters_train.yml, docs)
OPEN_R1 = {"hf_vqa.source.preset": "multimodal_open_r1",
           "train_hf_vqa._extends": "train_hf_vqa_multimodal_open_r1"}
GEOQA = {"hf_vqa.source.preset": "geoqa_r1v", "train_hf_vqa._extends": "train_hf_vqa_geoqa_r1v",
         "base_model_hf_vqa.source": "Qwen/Qwen2.5-VL-3B-Instruct",
         "evaluate_hf_vqa._extends": "evaluate_hf_vqa_geoqa_r1v"}


@functools.cache
def _resolved(conf: Path, overrides: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    runtime = nest({"data_dir": "data", **dict(overrides)})
    loader = ProjectConfigLoader(str(conf), env="gpu", base_env="base", default_run_env="local",
                                 runtime_params=runtime, merge_strategy={"parameters": "soft"})
    return loader["parameters"]


def gpu_parameters(project_root: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parameters as `kedro run --env gpu --params <overrides>` resolves them (a fresh copy)."""
    return copy.deepcopy(_resolved(project_root / "conf", tuple(sorted((overrides or {}).items()))))


def typed(params: dict[str, Any], block: str) -> Any:
    """A run block as its nodes receive it (the library's parameter type)."""
    kind = block.split("_", 1)[0]
    if kind == "train":
        return TrainParams.model_validate(params[block])
    if kind == "evaluate":
        return EvaluateParams.model_validate(params[block])
    return params[block]


def value_at(obj: Any, dotted: str) -> Any:
    """``obj.a.b`` / ``obj["a"]["b"]`` / ``obj.rewards[name]`` (a reward's weight and kwargs)."""
    for part in dotted.split("."):
        if part.startswith("reward:"):
            obj = {r.name: (r.weight, r.kwargs) for r in obj.rewards}[part.removeprefix("reward:")]
        elif isinstance(obj, dict):
            obj = obj[part]
        else:
            obj = getattr(obj, part)
    return obj


# (overrides, block, key, expected value, where the anchor sets it)
KNOBS: list[tuple[dict[str, Any], str, str, Any, str]] = [
    # --- Math-OCR-Zero: grpo_deepmath
    ({}, "base_model_deepmath", "source", "Qwen/Qwen2.5-VL-3B-Instruct", "MOZ l.24"),
    ({}, "train_deepmath", "num_generations", 5, "MOZ rollout.n=5 l.43"),
    ({}, "train_deepmath", "learning_rate", 1e-6, "MOZ optim.lr=1e-6 l.25"),
    ({}, "train_deepmath", "beta", 0.01, "MOZ kl_loss_coef=0.01 l.30 (low_var_kl = k3, l.31)"),
    ({}, "train_deepmath", "loss_type", "dapo", "verl ppo_trainer.yaml loss_agg_mode token-mean"),
    ({}, "train_deepmath", "max_prompt_length", 256, "MOZ data.max_prompt_length=256 l.16"),
    ({}, "train_deepmath", "max_completion_length", 840, "MOZ max_response_length=840 l.17"),
    ({}, "train_deepmath", "model.min_pixels", 784, "MOZ data.image_min_pixels=784 l.21"),
    ({}, "train_deepmath", "model.max_pixels", 100352, "MOZ data.image_max_pixels=100352 l.22"),
    ({}, "train_deepmath", "num_train_epochs", 10, "MOZ trainer.total_epochs=10 l.55"),
    ({}, "train_deepmath", "temperature", 1.0, "verl rollout temperature 1.0 (ppo_trainer.yaml)"),
    ({}, "train_deepmath", "lr_scheduler_type", "constant", "verl warmup_style constant"),
    ({}, "train_deepmath", "weight_decay", 0.01, "verl optim.weight_decay 0.01"),
    ({}, "train_deepmath", "reward:format", (0.4, {"min_think_chars": 20}),
     "MOZ reward_score/deepmath.py: -0.2 unformatted -> 0.2 formatted, >= 20 thinking chars"),
    ({}, "train_deepmath", "reward:accuracy", (0.8, {}), "deepmath.py: 0.2 wrong -> 1.0 right"),
    ({}, "evaluate_deepmath", "greedy.max_new_tokens", 2048,
     "MOZ examples/inference/vllm_local.py max_tokens=2048, temperature 0 l.66-67"),
    ({}, "deepmath", "prompt.instruction", "solve the problem:",
     "MOZ examples/data_preprocess/deepmath_ocr.py l.30"),
    ({}, "deepmath", "source.limit", 11000, "deepmath_ocr.py: first 10,000 train + 1,000 test"),
    # --- VisualThinker-R1-Zero: grpo_sat
    ({}, "base_model_sat", "source", "Qwen/Qwen2-VL-2B", "VT --model_name_or_path l.8"),
    ({}, "sat", "prompt.style", "base", "VT src/open_r1/grpo.py l.148-166 (base prompt)"),
    ({}, "sat", "source.limit", 15000, "VT src/data/SAT/process_dataset.py: first 15k rows"),
    ({}, "train_sat", "max_prompt_length", 1024, "VT --max_prompt_length 1024 l.10"),
    ({}, "train_sat", "max_completion_length", 700, "VT --max_completion_length 700 l.11"),
    ({}, "train_sat", "gradient_accumulation_steps", 2, "VT l.13"),
    ({}, "train_sat", "model.max_pixels", 401408, "VT --max_pixels 401408 l.18"),
    ({}, "train_sat", "num_train_epochs", 2, "VT --num_train_epochs 2 l.19"),
    ({}, "train_sat", "gradient_checkpointing", True, "VT --gradient_checkpointing 1 l.16"),
    ({}, "train_sat", "num_generations", 8, "TRL num_generations=8 l.108-109"),
    ({}, "train_sat", "learning_rate", 1e-6, "TRL learning_rate=1e-6 l.149-150"),
    ({}, "train_sat", "beta", 0.04, "TRL beta=0.04 l.173-174"),
    ({}, "train_sat", "lr_scheduler_type", "linear", "HF TrainingArguments default (VT sets none)"),
    ({}, "train_sat", "reward:accuracy", (1.0, {}), "VT grpo.py reward_funcs [accuracy, format]"),
    ({}, "train_sat", "reward:format", (1.0, {}), "VT grpo.py reward_funcs [accuracy, format]"),
    ({}, "evaluate_sat", "greedy.max_new_tokens", 1024,
     "VT src/eval/evaluate_Qwen2_VL_CVBench-base.py l.154: do_sample False, 1024 tokens"),
    ({}, "evaluate_sat", "styles", ["keep"], "VT eval l.119-120: the base reasoning prompt"),
    ({}, "cvbench", "prompt.style", "base", "VT eval l.120"),
    ({}, "evaluate_sat", "scorers.cvbench", "cvbench", "CV-Bench's 2D/3D aggregation + per task"),
    # --- R1-V CLEVR: grpo_hf_vqa (the README's command)
    ({}, "base_model_hf_vqa", "source", "Qwen/Qwen2-VL-2B-Instruct", "R1V README l.123"),
    ({}, "hf_vqa", "source.preset", "clevr_cogen", "R1V README l.124 clevr_cogen_a_train"),
    ({}, "train_hf_vqa", "max_prompt_length", 512, "R1V README --max_prompt_length 512 l.126"),
    ({}, "train_hf_vqa", "max_completion_length", 512, "R1V README l.127"),
    ({}, "train_hf_vqa", "gradient_accumulation_steps", 2, "R1V README l.129"),
    ({}, "train_hf_vqa", "gradient_checkpointing", False, "R1V README l.133"),
    ({}, "train_hf_vqa", "model.max_pixels", 401408, "R1V README l.135"),
    ({}, "train_hf_vqa", "num_train_epochs", 2, "R1V README l.136"),
    ({}, "train_hf_vqa", "num_generations", 8, "R1V README --num_generations 8 l.140"),
    ({}, "train_hf_vqa", "beta", 0.04, "TRL l.173-174 (R1-V pins trl==0.14.0)"),
    ({}, "train_hf_vqa", "learning_rate", 1e-6, "TRL l.149-150"),
    ({}, "train_hf_vqa", "run_name", "hf_vqa", "one checkpoint folder per run"),
    ({}, "evaluate_hf_vqa", "greedy.max_new_tokens", 256,
     "R1V src/eval/test_qwen2vl_counting_superclevr.py l.75: greedy, 256 tokens"),
    ({}, "hf_vqa", "prompt.system_prompt", "",
     "R1V grpo.py l.148: user turn only; the chat template adds its default system turn"),
    # --- R1-V GeoQA: grpo_hf_vqa switched to the geoqa_r1v preset
    (GEOQA, "base_model_hf_vqa", "source", "Qwen/Qwen2.5-VL-3B-Instruct",
     "R1V run_grpo_vllm_qwen25vl.sh l.12"),
    (GEOQA, "train_hf_vqa", "max_prompt_length", 4096, "R1V qwen25vl l.35"),
    (GEOQA, "train_hf_vqa", "max_completion_length", 2048, "R1V qwen25vl l.36"),
    (GEOQA, "train_hf_vqa", "gradient_accumulation_steps", 4, "R1V qwen25vl l.38"),
    (GEOQA, "train_hf_vqa", "lr_scheduler_type", "constant", "R1V qwen25vl l.40"),
    (GEOQA, "train_hf_vqa", "model.min_pixels", 3136, "R1V qwen25vl l.45"),
    (GEOQA, "train_hf_vqa", "model.max_pixels", 501760, "R1V qwen25vl l.46"),
    (GEOQA, "train_hf_vqa", "num_generations", 8, "R1V qwen25vl l.54"),
    (GEOQA, "train_hf_vqa", "temperature", 1.0, "R1V qwen25vl --temperature 1.0 l.53"),
    (GEOQA, "train_hf_vqa", "run_name", "hf_vqa", "the run's own folder stays"),
    (GEOQA, "evaluate_hf_vqa", "greedy.max_new_tokens", 1024,
     "R1V src/eval/test_qwen2vl_geoqa.py l.77"),
    # --- open-r1-multimodal: grpo_hf_vqa switched to the multimodal_open_r1 preset
    (OPEN_R1, "base_model_hf_vqa", "source", "Qwen/Qwen2-VL-2B-Instruct", "OR1 l.48"),
    (OPEN_R1, "train_hf_vqa", "max_prompt_length", 8192, "OR1 --max_prompt_length 8192 l.50"),
    (OPEN_R1, "train_hf_vqa", "gradient_accumulation_steps", 1, "OR1 l.52"),
    (OPEN_R1, "train_hf_vqa", "gradient_checkpointing", True, "OR1 l.56"),
    (OPEN_R1, "train_hf_vqa", "model.max_pixels", 2359296, "OR1 --max_pixels 2359296 l.58"),
    (OPEN_R1, "train_hf_vqa", "save_total_limit", 8, "OR1 l.59"),
    (OPEN_R1, "train_hf_vqa", "num_train_epochs", 1, "OR1 l.60"),
    (OPEN_R1, "train_hf_vqa", "max_completion_length", 256, "TRL default of the time [inferred]"),
    # --- the LaTeX-OCR recipe: grpo_latex_ocr
    ({}, "base_model_latex_ocr", "source", "Qwen/Qwen2.5-VL-3B-Instruct", "TEX run.yaml l.2"),
    ({}, "train_latex_ocr", "learning_rate", 5e-7, "TEX run.yaml l.23"),
    ({}, "train_latex_ocr", "lr_scheduler_type", "cosine", "TEX run.yaml l.24"),
    ({}, "train_latex_ocr", "warmup_steps", 0.03, "TEX run.yaml warmup_ratio l.25"),
    ({}, "train_latex_ocr", "beta", 0.001, "TEX run.yaml l.28"),
    ({}, "train_latex_ocr", "max_prompt_length", 256, "TEX run.yaml l.29"),
    ({}, "train_latex_ocr", "max_completion_length", 512, "TEX run.yaml l.30"),
    ({}, "train_latex_ocr", "num_generations", 8, "TEX run.yaml l.31"),
    ({}, "train_latex_ocr", "gradient_accumulation_steps", 2, "TEX run.yaml l.19"),
    ({}, "train_latex_ocr", "num_train_epochs", 2, "TEX run.yaml l.17"),
    ({}, "train_latex_ocr", "seed", 5525, "TEX run.yaml l.39"),
    ({}, "train_latex_ocr", "model.lora.r", 8, "TEX grpo.py LoraConfig r=8 l.296"),
    ({}, "train_latex_ocr", "model.lora.alpha", 16, "TEX grpo.py lora_alpha=16 l.297"),
    ({}, "train_latex_ocr", "model.lora.dropout", 0.1, "TEX grpo.py lora_dropout=0.1 l.298"),
    ({}, "train_latex_ocr", "model.lora.target_modules",
     ["q_proj", "k_proj", "v_proj", "out_proj", "in_proj", "gate_proj"], "TEX grpo.py l.299"),
    ({}, "train_latex_ocr", "reward:latex_format", (0.5, {}), "TEX strict_format 0.5 l.162-166"),
    ({}, "train_latex_ocr", "reward:ocr_exact", (2.0, {}), "TEX stric_correct 2.0 l.169-176"),
    ({}, "train_latex_ocr", "reward:ocr_sympy", (1.0, {}), "TEX soft_correct 1.0 l.179-221"),
    ({}, "train_latex_ocr", "reward:latex_length", (1.0, {"max_words": 50}),
     "TEX length_penalty_reward(max_words=50) 1.0 l.223-252"),
    ({}, "latex_ocr", "prompt.style", "direct", "TEX grpo.py l.92: only the <latex> code"),
    ({}, "latex_ocr", "split.seed", 5525, "TEX grpo.py train_test_split seed=5525 l.68-70"),
    ({}, "evaluate_latex_ocr", "greedy.max_new_tokens", 512, "TEX run.yaml l.30 (no eval script)"),
]


@pytest.mark.parametrize("case", KNOBS,
                         ids=[f"{b}.{k}{'+switch' if o else ''}" for o, b, k, *_ in KNOBS])
def test_recipe_knob_is_the_anchors(project_root: Path, case: tuple) -> None:
    overrides, block, key, expected, source = case
    params = gpu_parameters(project_root, overrides)
    assert value_at(typed(params, block), key) == expected, source


# (run, GPUs of the anchor's launch, prompts per optimizer step in the anchor)
BATCHES = [
    ("train_deepmath", 4, 128),  # MOZ N_GPUS=4 l.5, train_batch_size = mini-batch 128 l.15, l.27
    ("train_sat", 4, 8),  # VT 4 GPUs l.3 (zero2.yaml num_processes 4) x 1 prompt x GA 2
    ("train_hf_vqa", 8, 16),  # R1V README torchrun 8 x 1 prompt x GA 2
    ("train_latex_ocr", 4, 16),  # TEX zero.yaml num_processes 4 x 2 prompts x GA 2
]


@pytest.mark.parametrize(("block", "gpus", "prompts"), BATCHES)
def test_recipe_batch_is_the_anchors(project_root: Path, block: str, gpus: int,
                                     prompts: int) -> None:
    train = typed(gpu_parameters(project_root), block)
    train.check_batch(world_size=gpus)  # num_generations divides the generation batch
    per_step = train.generation_batch_size(world_size=gpus)
    assert per_step == prompts * train.num_generations, (per_step, prompts)


@pytest.mark.parametrize("task", SEEDS)
def test_gpu_recipes_share_what_every_anchor_uses(project_root: Path, task: str) -> None:
    params = gpu_parameters(project_root)
    train, evaluate = typed(params, f"train_{task}"), typed(params, f"evaluate_{task}")
    assert train.bf16 and train.model.dtype == "bfloat16"  # every anchor trains in bf16
    assert train.model.source is None  # the policy is the run's base model (one source)
    assert train.output_dir.endswith(task) and train.max_steps == -1
    assert train.epsilon == 0.2 and train.epsilon_high is None  # symmetric clip
    assert evaluate.dtype == "bfloat16" and evaluate.limit is None and evaluate.sampled is None
    assert evaluate.greedy.max_new_tokens >= 256  # room for the reasoning (conf/base: 64, tiny)


@pytest.mark.parametrize("task", SEEDS)
def test_no_gpu_recipe_reads_embedded_rows(project_root: Path, task: str) -> None:
    # `kedro run --env gpu --pipelines grpo_<task>` ends on a real source unless asked otherwise
    params = gpu_parameters(project_root)
    for data in RUNS[task].data:
        block = params[data]["source"]
        source = HfVqaSource(**block).load() if data == "hf_vqa" else SourceParams(**block)
        assert source.path != EMBEDDED, data


def test_unknown_block_is_named(project_root: Path) -> None:
    from mathrl_pipeline.training.cli import load_params

    with pytest.raises(ValueError, match="nonexistent"):
        load_params(block="nonexistent", env="gpu", conf_source=project_root / "conf")
