"""One GRPO run with TRL's GRPOTrainer: validate, configure, resume, load, train, save.

The same function runs in-process from the Kedro node (one process) and on every rank of
``accelerate launch`` (``launch.py`` starts ``cli.py``). The GRPOConfig is built before the model is
loaded (DeepSpeed's ``zero3_init_flag`` then partitions the weights while they load); the main
process alone decides the resume (``resume.py``) and writes the run's files; on a machine without
GPUs, processes talk over gloo.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.training.callbacks import (
    METRICS_FILE,
    SAMPLES_FILE,
    CompletionLog,
    JsonlMetricsCallback,
    read_jsonl,
    recording,
)
from mathrl_pipeline.training.config import TrainParams
from mathrl_pipeline.training.data import (
    check_columns,
    check_pixel_budget,
    prompt_style,
    to_grpo_dataset,
)
from mathrl_pipeline.training.resume import (
    RunInputs,
    last_complete_checkpoint,
    plan_run,
    run_inputs,
)

logger = logging.getLogger(__name__)

FINAL_DIR = "final"


@dataclass(frozen=True)
class TrainResult:
    """What a run leaves: the final model folder and its metric and sample tables."""

    model_dir: Path
    metrics: pd.DataFrame
    samples: pd.DataFrame


def build_reward_functions(
    params: TrainParams, log: CompletionLog
) -> tuple[list[Any], list[float], dict[str, float]]:
    """The reward mix of ``train.rewards`` (wrapped to record completions) and its weights."""
    from mathrl_pipeline.rewards import build_rewards

    specs = [r.model_dump() for r in params.rewards]
    for index, spec in enumerate(specs):
        try:
            build_rewards([spec])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"train.rewards[{index}] ({spec['name']!r}): {exc}") from exc
    funcs, weights = build_rewards(specs)
    names = _unique_names([r.name for r in params.rewards])
    wrapped = [recording(f, n, log) for f, n in zip(funcs, names, strict=True)]
    return wrapped, [float(w) for w in weights], dict(zip(names, weights, strict=True))


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def reflection_counter() -> Any:
    """Total reflection markers of a completion text (``mathrl_pipeline.rewards``)."""
    from mathrl_pipeline.rewards.reflection import reflection_count

    return reflection_count


def check_prompt_lengths(
    df: pd.DataFrame, processor: Any, params: TrainParams, image_placeholder: str
) -> None:
    """Raise when a prompt (image tokens included) exceeds ``train.max_prompt_length``."""
    if params.max_prompt_length is None:
        return
    dataset = to_grpo_dataset(df.head(64), image_placeholder)
    for row in dataset:
        messages = row["prompt"]
        filled = [
            {
                **m,
                "content": [
                    {**b, "image": row["image"]} if b["type"] == "image" else b
                    for b in m["content"]
                ],
            }
            for m in messages
        ]
        ids = processor.apply_chat_template(
            [filled], add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"][0]
        if len(ids) > params.max_prompt_length:
            raise ValueError(
                f"train.max_prompt_length ({params.max_prompt_length}): row {row.get('id')!r} "
                f"has a "
                f"{len(ids)}-token prompt (image tokens included); raise it or lower "
                "train.model.max_pixels"
            )


def validate(params: TrainParams, df: pd.DataFrame, world_size: int = 1) -> None:
    """Every check that can fail before the first step, each naming its parameter."""
    params.check_batch(world_size)
    check_columns(df)
    prompt_style(df)
    check_pixel_budget(df, params.model.max_pixels, params.model.allow_downscale)
    build_reward_functions(params, CompletionLog())


def load_tables(output_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The metric and sample tables of a run folder (one row per step; samples as written)."""
    root = Path(output_dir)
    metrics = pd.DataFrame(read_jsonl(root / METRICS_FILE))
    if not metrics.empty:
        metrics = metrics.drop_duplicates("step", keep="last").sort_values("step")
        metrics = metrics.reset_index(drop=True)
    samples = pd.DataFrame(read_jsonl(root / SAMPLES_FILE))
    return metrics, samples


def resolve_source(params: TrainParams, given: str | Path | None) -> str:
    """``train.model.source``, else the model directory the node was given."""
    source = str(params.model.source or given or "")
    if not source:
        raise ValueError("train.model.source is not set and no model directory was given")
    return source


def uses_deepspeed() -> bool:
    """Whether this process was started by accelerate's DeepSpeed launcher."""
    return os.environ.get("ACCELERATE_USE_DEEPSPEED", "false").lower() == "true"


def device_kwargs(cpu: bool, deepspeed: bool, launched: bool) -> dict[str, Any]:
    """GRPOConfig fields for the machine: on CPU, CPU mode and (between processes) gloo.

    DeepSpeed ignores accelerate's CPU mode (it would silently train as plain DDP): it runs on
    its own CPU accelerator, and needs gloo named. A process outside a launcher has no group.
    """
    if not cpu:
        return {}
    kwargs: dict[str, Any] = {} if deepspeed else {"use_cpu": True}
    if launched:
        kwargs["ddp_backend"] = "gloo"
    return kwargs


def skip_unused_deepspeed_ops() -> None:
    """Tell DeepSpeed its shared-memory all-reduce op is unavailable, so it is never compiled.

    On a CPU accelerator DeepSpeed compiles ``deepspeed_shm_comm`` (minutes) when its process group
    starts, for inference all-reduces that training never makes; ``__compatible_ops__`` is the
    only thing it reads that op's availability from (``deepspeed/comm/torch.py``).
    """
    import deepspeed.ops

    compatible = dict(getattr(deepspeed.ops, "__dict__", {}).get("__compatible_ops__") or {})
    compatible["deepspeed_shm_comm"] = False
    deepspeed.ops.__compatible_ops__ = compatible


def grpo_config(params: TrainParams, weights: list[float], progress_bar: bool) -> Any:
    """This run's GRPOConfig on this machine, its device and process group set up."""
    import torch
    from trl import GRPOConfig

    cpu, deepspeed = not torch.cuda.is_available(), uses_deepspeed()
    if cpu and deepspeed:
        skip_unused_deepspeed_ops()
    bf16 = params.bf16
    if bf16 is None:
        bf16 = bool(not cpu and torch.cuda.is_bf16_supported())
    kwargs = params.grpo_kwargs(weights, bf16)
    for key, value in device_kwargs(cpu, deepspeed, "LOCAL_RANK" in os.environ).items():
        kwargs.setdefault(key, value)
    kwargs.setdefault("disable_tqdm", not progress_bar)
    config = GRPOConfig(**kwargs)
    _ = config.device  # starts the process group (and DeepSpeed's ZeRO-3 init context)
    return config


def prepared_processor(source: str, params: TrainParams, train_df: pd.DataFrame,
                       family: Any) -> tuple[Any, str]:
    """The processor (the family's raw template for base-style prompts), its own template;
    prompt lengths checked."""
    from mathrl_pipeline.models.loading import load_processor

    processor = load_processor(source, params.model)
    original_template = processor.chat_template
    if prompt_style(train_df) == "base":
        processor.chat_template = family.raw_chat_template
    check_prompt_lengths(train_df, processor, params, family.image_placeholder)
    return processor, original_template


def resolve_resume(params: TrainParams, state: Any, inputs: RunInputs | None,
                   source: str, train_df: pd.DataFrame) -> Path | None:
    """The checkpoint every rank resumes: planned by the main process, then read by the rest."""
    resume = None
    if state.is_main_process:
        resume = plan_run(params, inputs or run_inputs(source, train_df))
    state.wait_for_everyone()
    if not state.is_main_process and params.resume:
        resume = last_complete_checkpoint(params.output_dir)
    return resume


def run_grpo(
    params: TrainParams,
    train_df: pd.DataFrame,
    model_source: str | Path | None = None,
    extra_callbacks: list[Any] | None = None,
    extra_rewards: list[tuple[Callable[..., list[Any]], float]] | None = None,
    *,
    inputs: RunInputs | None = None,
    progress_bar: bool = True,
) -> TrainResult:
    """Train with GRPO, resuming from the last complete checkpoint of ``train.output_dir``.

    ``extra_rewards``: Python reward functions (TRL contract) with weights, added to the mix of
    ``train.rewards``; ``extra_callbacks``: ``transformers.TrainerCallback`` objects; ``inputs``:
    the run's inputs when the caller identified them already (else computed here).
    """
    from trl import GRPOTrainer

    from mathrl_pipeline.models.loading import family_of, load_model, lora_config

    source = resolve_source(params, model_source)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    validate(params, train_df, world_size)
    log = CompletionLog()
    reward_funcs, weights, weight_by_name = build_reward_functions(params, log)
    for func, weight in extra_rewards or []:
        reward_funcs.append(func)
        weights.append(float(weight))

    family = family_of(source)
    processor, original_template = prepared_processor(source, params, train_df, family)
    dataset = to_grpo_dataset(train_df, family.image_placeholder)
    config = grpo_config(params, weights, progress_bar)  # before the model (module docstring)
    state = config.distributed_state
    resume = resolve_resume(params, state, inputs, source, train_df)
    # transformers 5.x saves Qwen-VL weights under checkpoint names (visual.*, model.*) and the
    # Trainer's resume reloads them with a bare load_state_dict that matches none of them (it only
    # warns). Loading the policy from the checkpoint with from_pretrained maps the names; the
    # Trainer then restores optimizer, scheduler, RNG and step. LoRA checkpoints hold the adapter
    # only, which the Trainer reloads itself; DeepSpeed restores the weights from global_stepN.
    from_checkpoint = resume is not None and not params.model.lora.enabled and not uses_deepspeed()
    model = load_model(str(resume) if from_checkpoint else source, params.model)
    # TRL builds the KL reference from the policy's name_or_path: the base model, never the
    # checkpoint the policy was resumed from.
    model.config.name_or_path = source

    callback = JsonlMetricsCallback(
        params.output_dir,
        log,
        reward_weights=weight_by_name,
        samples_every=params.samples_every,
        samples_per_step=params.samples_per_step,
        reflection_counter=reflection_counter(),
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=reward_funcs,
        args=config,
        train_dataset=dataset,
        processing_class=processor,
        peft_config=lora_config(params.model),
        callbacks=[callback, *(extra_callbacks or [])],
    )
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)

    final_dir = Path(params.output_dir) / FINAL_DIR
    processor.chat_template = original_template  # the saved model keeps its own template
    save_final(trainer, processor, final_dir, merge_lora=params.model.lora.enabled)
    metrics, samples = load_tables(params.output_dir)
    if state.is_main_process:
        _warn_no_signal(metrics)
    return TrainResult(model_dir=final_dir, metrics=metrics, samples=samples)


def save_final(trainer: Any, processor: Any, final_dir: Path, merge_lora: bool) -> None:
    """Save the trained policy and its processor; LoRA adapters are merged into the weights.

    Without LoRA every process calls ``trainer.save_model`` (DeepSpeed ZeRO-3 gathers the shards);
    the LoRA merge happens on the main process (not under ZeRO-3).
    """
    if merge_lora:
        if trainer.accelerator.is_main_process:
            model = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
            model.save_pretrained(str(final_dir))
    else:
        trainer.save_model(str(final_dir))
    if trainer.accelerator.is_main_process:
        processor.save_pretrained(str(final_dir))
        logger.info("Saved the final model to %s", final_dir)
    trainer.accelerator.wait_for_everyone()


def _warn_no_signal(metrics: pd.DataFrame) -> None:
    if metrics.empty or "reward_std" not in metrics:
        return
    share = float((metrics["reward_std"].fillna(0) > 0).mean())
    level = logging.INFO if share >= 0.5 or math.isnan(share) else logging.WARNING
    logger.log(level, "%.0f%% of steps had reward_std > 0 (a learning signal)", 100 * share)
