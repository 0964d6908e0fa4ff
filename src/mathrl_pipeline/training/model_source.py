"""Load a policy (Hub id or local path) with the Auto classes, then freeze / LoRA as asked."""

from __future__ import annotations

import logging
from typing import Any

from mathrl_pipeline.training.config import ModelParams

logger = logging.getLogger(__name__)

VISION_PREFIXES: tuple[str, ...] = (
    "visual.",
    "model.visual.",
    "vision_tower.",
    "model.vision_tower.",
)


def resolve_dtype(name: str) -> Any:
    """Torch dtype of ``train.model.dtype``; ``auto``: bf16 where the GPU has it, else fp32."""
    import torch

    if name == "auto":
        if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return getattr(torch, name)


def is_vision_parameter(name: str) -> bool:
    """Whether a parameter name belongs to the vision tower (merger included)."""
    bare = name.removeprefix("base_model.model.")  # peft wrapping
    return bare.startswith(VISION_PREFIXES)


def freeze_vision_tower(model: Any) -> int:
    """Set ``requires_grad=False`` on every vision-tower parameter; returns how many were frozen."""
    frozen = 0
    for name, param in model.named_parameters():
        if is_vision_parameter(name):
            param.requires_grad_(False)
            frozen += param.numel()
    if frozen == 0:
        raise ValueError("train.model.freeze_vision: the model has no vision-tower parameters")
    return frozen


def load_processor(source: str, params: ModelParams) -> Any:
    """``AutoProcessor`` for ``source`` with the pixel budget of ``params``."""
    from transformers import AutoProcessor

    from mathrl_pipeline.training.processor import register_image_only_processor

    register_image_only_processor()
    processor = AutoProcessor.from_pretrained(source)
    image_processor = processor.image_processor
    size = dict(image_processor.size)
    if params.min_pixels is not None:
        size["shortest_edge"] = params.min_pixels
    if params.max_pixels is not None:
        size["longest_edge"] = params.max_pixels
    image_processor.size = type(image_processor.size)(**size)
    return processor


def load_model(source: str, params: ModelParams) -> Any:
    """``AutoModelForImageTextToText`` for ``source``, frozen vision tower if asked."""
    from transformers import AutoModelForImageTextToText

    dtype = resolve_dtype(params.dtype)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if params.attn_implementation:
        kwargs["attn_implementation"] = params.attn_implementation
    model = AutoModelForImageTextToText.from_pretrained(source, **kwargs)
    if params.freeze_vision:
        n = freeze_vision_tower(model)
        logger.info("Froze the vision tower: %d parameters", n)
    logger.info("Loaded %s (%s, %s)", source, type(model).__name__, dtype)
    return model


def lora_config(params: ModelParams) -> Any:
    """A peft ``LoraConfig`` when ``train.model.lora.enabled``, else ``None``."""
    if not params.lora.enabled:
        return None
    from peft import LoraConfig

    lora = params.lora
    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        task_type="CAUSAL_LM",
    )
