"""Short pre-training that turns the random tiny model into a small *base model*.

This plays the role pre-training plays for Qwen2-VL-2B: the model learns, from image + text pairs
the project generates, to read the image and continue the prompt with relevant text. The corpus
(`tasks.arith`) answers in a mixture of formats and is right only part of the time, so the result
is a base model that is not yet good at the task or at the R1 answer format; GRPO with rule-based
rewards then has something to improve.

Causal language-model loss on the completion tokens only, with transformers' ``Trainer``.
"""

from __future__ import annotations

import io
import logging
import math
import tempfile
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from mathrl_pipeline.params import StrictParams

logger = logging.getLogger(__name__)

IGNORE_INDEX = -100


class PretrainConfig(StrictParams):
    """Optimisation settings of the pre-training stage (``base_model.pretrain``)."""

    # 20 epochs of the 6-render corpus (3,500 steps): the default run within 10 minutes on 2
    # cores; 15 leave one seed's second look unreliable (docs/miniature_r1_zero.md)
    epochs: float = Field(20.0, gt=0)
    batch_size: int = Field(16, ge=1)
    learning_rate: float = Field(3e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    seed: int = 0
    logging_steps: int = Field(20, ge=1)
    max_length: int = Field(512, ge=16)  # tokens of prompt (image included) + completion
    # the Trainer's work folder (nothing is saved there); None: a temporary folder
    output_dir: str | None = None
    # CPU threads while pre-training (restored after); None: torch's default (the machine's cores).
    # The reduction order of CPU kernels depends on the thread count, and the tiny base model
    # depends on it more than on the seed, so the figures are reproduced on any machine with the
    # count they were measured with. 2: the 2-core machines the figures come from (1.2x faster
    # than 1; two such runs side by side oversubscribe the cores and run many times slower).
    num_threads: int | None = Field(2, ge=1)


def _as_messages(prompt: Any) -> Any:
    """Parquet gives numpy arrays for nested lists: turn them back into plain lists and dicts."""
    if isinstance(prompt, str):
        return prompt
    messages = []
    for message in prompt:
        content = [
            {k: v for k, v in dict(block).items() if v is not None} for block in message["content"]
        ]
        messages.append({"role": message["role"], "content": content})
    return messages


def prompt_text(processor: Any, prompt: Any) -> str:
    """The prompt as the model sees it: chat template with the generation prompt, or the string."""
    messages = _as_messages(prompt)
    if isinstance(messages, str):
        return messages
    return processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def _image(cell: Any) -> Any:
    from PIL import Image

    data = cell["bytes"] if isinstance(cell, dict) else cell
    with Image.open(io.BytesIO(bytes(data))) as image:
        return image.convert("RGB")


def encode_example(
    processor: Any, prompt: Any, image_cell: Any, completion: str, max_length: int
) -> dict[str, Any]:
    """Token ids, labels (prompt masked), pixel values and grid of one example."""
    image = _image(image_cell)
    eos = processor.tokenizer.eos_token
    if not eos:
        raise ValueError("pre-training needs a tokenizer with an EOS token to end completions")
    text_prompt = prompt_text(processor, prompt)
    full = processor(text=[text_prompt + completion + eos], images=[image], return_tensors="pt")
    head = processor(text=[text_prompt], images=[image], return_tensors="pt")
    input_ids = full["input_ids"][0]
    if input_ids.shape[0] > max_length:
        raise ValueError(
            f"base_model.pretrain.max_length {max_length} is shorter than an example "
            f"({input_ids.shape[0]} tokens)"
        )
    labels = input_ids.clone()
    labels[: head["input_ids"].shape[1]] = IGNORE_INDEX
    return {
        "input_ids": input_ids,
        "labels": labels,
        # Qwen-VL builds 3-D (M-RoPE) positions only when it gets mm_token_type_ids; without them
        # a forward pass falls back to 1-D positions while generate() and TRL use 3-D ones.
        "mm_token_type_ids": full["mm_token_type_ids"][0],
        "pixel_values": full["pixel_values"],
        "image_grid_thw": full["image_grid_thw"],
    }


class CompletionCollator:
    """Right-pads a batch of encoded examples; concatenates their image patches."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id

    def __call__(self, batch: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Build the model inputs of one batch."""
        import torch

        longest = max(item["input_ids"].shape[0] for item in batch)
        input_ids = torch.full((len(batch), longest), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(batch), longest), IGNORE_INDEX, dtype=torch.long)
        attention = torch.zeros((len(batch), longest), dtype=torch.long)
        token_types = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, item in enumerate(batch):
            length = item["input_ids"].shape[0]
            input_ids[row, :length] = item["input_ids"]
            labels[row, :length] = item["labels"]
            attention[row, :length] = 1
            token_types[row, :length] = item["mm_token_type_ids"]
        return {
            "input_ids": input_ids,
            "labels": labels,
            "attention_mask": attention,
            "mm_token_type_ids": token_types,
            "pixel_values": torch.cat([item["pixel_values"] for item in batch]),
            "image_grid_thw": torch.cat([item["image_grid_thw"] for item in batch]),
        }


def pretrain(
    model: Any,
    processor: Any,
    *,
    prompts: Sequence[Any],
    images: Sequence[Any],
    completions: Sequence[str],
    config: PretrainConfig,
) -> list[dict[str, float]]:
    """Train ``model`` in place on (prompt, image, completion) triples; returns the loss log."""
    import torch

    if not (len(prompts) == len(images) == len(completions)) or not prompts:
        raise ValueError("pretraining corpus: prompts, images and completions must be non-empty "
                         "and of equal length")
    torch.manual_seed(config.seed)
    examples = [
        encode_example(processor, p, i, c, config.max_length)
        for p, i, c in zip(prompts, images, completions, strict=True)
    ]
    steps_per_epoch = math.ceil(len(examples) / config.batch_size)
    threads = torch.get_num_threads()
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    try:
        with tempfile.TemporaryDirectory(prefix="mathrl-pretrain-") as scratch:
            return _train(model, processor, examples, config, config.output_dir or scratch,
                          warmup_steps=int(config.warmup_ratio * steps_per_epoch * config.epochs))
    finally:
        torch.set_num_threads(threads)


def _train(model: Any, processor: Any, examples: list[dict[str, Any]], config: PretrainConfig,
           output_dir: str, *, warmup_steps: int) -> list[dict[str, float]]:
    import torch
    from transformers import Trainer, TrainingArguments

    from mathrl_pipeline.training.callbacks import StepProgress

    args = TrainingArguments(
        output_dir=output_dir,
        per_device_train_batch_size=config.batch_size,
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=warmup_steps,
        lr_scheduler_type="cosine",
        logging_steps=config.logging_steps,
        save_strategy="no",
        report_to=[],
        seed=config.seed,
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        remove_unused_columns=False,
        disable_tqdm=True,  # StepProgress: a bar in a terminal, log lines otherwise
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=examples,
        data_collator=CompletionCollator(processor.tokenizer.pad_token_id),
        callbacks=[StepProgress("pre-train")],
    )
    trainer.train()
    model.eval()
    history = [
        {k: float(v) for k, v in entry.items() if isinstance(v, int | float)}
        for entry in trainer.state.log_history
    ]
    logger.info(
        "Pre-trained the base model: %d examples, %d steps, final loss %.3f",
        len(examples), trainer.state.global_step,
        next((h["loss"] for h in reversed(history) if "loss" in h), float("nan")),
    )
    return history
