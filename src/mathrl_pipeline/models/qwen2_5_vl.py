"""The Qwen2.5-VL family (Qwen2.5-VL-3B/7B-Instruct: Math-OCR-Zero, R1-V, open-r1-multimodal).

Tokens, placeholder, chat template, tokenizer and the text decoder are Qwen2-VL's
(``qwen2_vl.py``); the vision tower (SwiGLU MLP, window attention) and the processor class differ.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

from mathrl_pipeline.models import qwen2_vl

if TYPE_CHECKING:  # a type hint only: tiny.py imports the family registry
    from mathrl_pipeline.models.tiny import TinyModelSpec


@functools.cache
def processor_class() -> type:
    """``ImageOnlyQwen2_5_VLProcessor`` (the class name tiny model folders record)."""
    from transformers.models.qwen2_5_vl.processing_qwen2_5_vl import Qwen2_5_VLProcessor

    return qwen2_vl.image_only_processor_class(Qwen2_5_VLProcessor)


def tiny_processor(tokenizer: Any, spec: TinyModelSpec) -> Any:
    """The tiny Qwen2.5-VL's processor."""
    return qwen2_vl.tiny_image_only_processor(processor_class(), tokenizer, spec)


def tiny_config(spec: TinyModelSpec, tokenizer: Any) -> Any:
    """A ``Qwen2_5_VLConfig`` with tiny sizes and token ids taken from ``tokenizer``."""
    from transformers import Qwen2_5_VLConfig

    vision_config = {
        "depth": spec.vision_depth,
        "hidden_size": spec.vision_hidden_size,
        "intermediate_size": spec.vision_intermediate_size,
        "num_heads": spec.vision_num_heads,
        "patch_size": spec.patch_size,
        "spatial_merge_size": spec.spatial_merge_size,
        "temporal_patch_size": spec.temporal_patch_size,
        "out_hidden_size": spec.hidden_size,
        "window_size": spec.patch_size * spec.spatial_merge_size * 4,
        "fullatt_block_indexes": [spec.vision_depth - 1],
        "initializer_range": spec.initializer_range,
    }
    return qwen2_vl.tiny_qwen_vl_config(Qwen2_5_VLConfig, spec, tokenizer, vision_config)


FAMILY = dataclasses.replace(
    qwen2_vl.FAMILY,
    name="Qwen2.5-VL",
    model_types=("qwen2_5_vl",),
    config_class="Qwen2_5_VLConfig",
    processor_class=processor_class,
    tiny_processor=tiny_processor,
    tiny_config=tiny_config,
    check_tiny=None,  # any size Qwen2-VL's text decoder takes
)
