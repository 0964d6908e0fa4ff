"""Load a policy (Hub id or local path) with the Auto classes, then freeze / LoRA as asked.

The family comes from the folder's ``config.json`` (``model_type``); an unknown family is an
error naming the known ones. Where torchvision is missing (this CPU stack), the processor is the
family's image-only class, read from the same files (Hub layout or ``save_pretrained``'s).
"""

from __future__ import annotations

import logging
from typing import Any

from mathrl_pipeline.models.family import ModelFamily, families, family_for
from mathrl_pipeline.training.config import ModelParams

logger = logging.getLogger(__name__)


def resolve_dtype(name: str) -> Any:
    """Torch dtype of ``train.model.dtype``; ``auto``: bf16 where the GPU has it, else fp32."""
    import torch

    if name == "auto":
        if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return getattr(torch, name)


def register_processors() -> None:
    """Let ``AutoProcessor`` save and load every family's image-only processor (idempotent)."""
    for family in families():
        family.register_processor()


def family_of(source: str) -> ModelFamily:
    """The family of a Hub id or model folder, from its config's ``model_type``."""
    from transformers import AutoConfig

    return family_for(AutoConfig.from_pretrained(source))


def freeze_vision_tower(model: Any) -> int:
    """Set ``requires_grad=False`` on every vision-tower parameter; returns how many were frozen."""
    family = family_for(model.config)
    frozen = 0
    for name, param in model.named_parameters():
        if family.is_vision_parameter(name):
            param.requires_grad_(False)
            frozen += param.numel()
    if frozen == 0:
        raise ValueError("train.model.freeze_vision: the model has no vision-tower parameters")
    return frozen


def load_processor(source: str, params: ModelParams) -> Any:
    """The processor of ``source`` with the pixel budget of ``params``."""
    from transformers import AutoProcessor
    from transformers.utils import is_torchvision_available

    family = family_of(source)
    register_processors()
    if is_torchvision_available():
        processor = AutoProcessor.from_pretrained(source)
    else:  # the stock class would need a video processor, hence torchvision
        processor = family.processor_class().from_pretrained(source)
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

    family = family_of(source)
    dtype = resolve_dtype(params.dtype)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if params.attn_implementation:
        kwargs["attn_implementation"] = params.attn_implementation
    model = AutoModelForImageTextToText.from_pretrained(source, **kwargs)
    if params.freeze_vision:
        n = freeze_vision_tower(model)
        logger.info("Froze the vision tower: %d parameters", n)
    logger.info("Loaded %s (%s, %s, %s)", source, family.name, type(model).__name__, dtype)
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
