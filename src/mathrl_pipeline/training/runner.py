"""One GRPO run with TRL's GRPOTrainer: validate, load, resume, train, save.

The same function runs in-process from the Kedro node (one device) and from the ``mathrl-train``
console script that ``accelerate launch`` starts on many GPUs (see ``cli.py``).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
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

logger = logging.getLogger(__name__)

CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")
# What a checkpoint needs to resume exactly; trainer_state.json is written last.
CHECKPOINT_FILES: tuple[str, ...] = ("trainer_state.json", "optimizer.pt", "scheduler.pt")
FINAL_DIR = "final"


@dataclass(frozen=True)
class TrainResult:
    """What a run leaves: the final model folder and its metric and sample tables."""

    model_dir: Path
    metrics: pd.DataFrame
    samples: pd.DataFrame


def is_complete_checkpoint(path: Path) -> bool:
    """A checkpoint folder with weights, optimizer, scheduler and a readable trainer state."""
    if not all((path / name).is_file() for name in CHECKPOINT_FILES):
        return False
    has_weights = any(path.glob("*.safetensors")) or any(path.glob("*.bin"))
    if not has_weights:
        return False
    try:
        json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    return True


def last_complete_checkpoint(output_dir: str | Path) -> Path | None:
    """The complete ``checkpoint-N`` folder of ``output_dir`` with the largest N, if any."""
    root = Path(output_dir)
    if not root.is_dir():
        return None
    found = []
    for child in root.iterdir():
        match = CHECKPOINT_RE.match(child.name)
        if match and child.is_dir():
            found.append((int(match.group(1)), child))
    for _, path in sorted(found, reverse=True):
        if is_complete_checkpoint(path):
            return path
        logger.warning("Skipping incomplete checkpoint %s", path)
    return None


RUN_PARAMS_FILE = "run_params.json"
# Knobs a resumed run may change (how long, how often to save/log), not what it optimises.
RESUMABLE_CHANGES: frozenset[str] = frozenset(
    {
        "run_name",
        "output_dir",
        "max_steps",
        "num_train_epochs",
        "save_steps",
        "save_total_limit",
        "logging_steps",
        "samples_every",
        "samples_per_step",
        "resume",
    }
)


def check_same_run(params: TrainParams, output_dir: Path) -> None:
    """Refuse to resume checkpoints of a run trained with different parameters."""
    current = {
        k: v for k, v in params.model_dump(mode="json").items() if k not in RESUMABLE_CHANGES
    }
    path = output_dir / RUN_PARAMS_FILE
    if path.is_file():
        saved = json.loads(path.read_text(encoding="utf-8"))
        changed = sorted(k for k in set(saved) | set(current) if saved.get(k) != current.get(k))
        if changed:
            raise ValueError(
                f"train.output_dir {str(output_dir)!r} holds checkpoints of a run with other "
                f"parameters (train.{', train.'.join(changed)}); set a new train.run_name / "
                "train.output_dir, or train.resume: false to start over in it"
            )
    output_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=1, sort_keys=True), encoding="utf-8")


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


def run_grpo(
    params: TrainParams,
    train_df: pd.DataFrame,
    model_source: str | Path | None = None,
    extra_callbacks: list[Any] | None = None,
    extra_rewards: list[tuple[Callable[..., list[Any]], float]] | None = None,
) -> TrainResult:
    """Train with GRPO, resuming from the last complete checkpoint of ``train.output_dir``.

    ``extra_rewards``: Python reward functions (TRL contract) with weights, added to the mix of
    ``train.rewards``; ``extra_callbacks``: ``transformers.TrainerCallback`` objects.
    """
    import torch
    from trl import GRPOConfig, GRPOTrainer

    from mathrl_pipeline.models.loading import family_of, load_model, load_processor, lora_config

    source = str(params.model.source or model_source or "")
    if not source:
        raise ValueError("train.model.source is not set and no model directory was given")
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    validate(params, train_df, world_size)
    log = CompletionLog()
    reward_funcs, weights, weight_by_name = build_reward_functions(params, log)
    for func, weight in extra_rewards or []:
        reward_funcs.append(func)
        weights.append(float(weight))

    family = family_of(source)
    processor = load_processor(source, params.model)
    original_template = processor.chat_template
    if prompt_style(train_df) == "base":
        processor.chat_template = family.raw_chat_template
    check_prompt_lengths(train_df, processor, params, family.image_placeholder)
    dataset = to_grpo_dataset(train_df, family.image_placeholder)
    resume = last_complete_checkpoint(params.output_dir) if params.resume else None
    if resume is not None:
        check_same_run(params, Path(params.output_dir))
        logger.info("Resuming from %s", resume)
    # transformers 5.x saves Qwen-VL weights under checkpoint names (visual.*, model.*) and the
    # Trainer's resume reloads them with a bare load_state_dict that matches none of them (it only
    # warns). Loading the policy from the checkpoint with from_pretrained maps the names; the
    # Trainer then restores optimizer, scheduler, RNG and step. LoRA checkpoints hold the adapter
    # only, which the Trainer reloads itself.
    from_checkpoint = resume is not None and not params.model.lora.enabled
    model = load_model(str(resume) if from_checkpoint else source, params.model)
    bf16 = params.bf16
    if bf16 is None:
        bf16 = bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    config = GRPOConfig(**params.grpo_kwargs(weights, bf16))

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
    if resume is None and trainer.accelerator.is_main_process:  # a fresh run: record its params
        Path(params.output_dir, RUN_PARAMS_FILE).unlink(missing_ok=True)
        check_same_run(params, Path(params.output_dir))
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)

    final_dir = Path(params.output_dir) / FINAL_DIR
    processor.chat_template = original_template  # the saved model keeps its own template
    save_final(trainer, processor, final_dir, merge_lora=params.model.lora.enabled)
    metrics, samples = load_tables(params.output_dir)
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
