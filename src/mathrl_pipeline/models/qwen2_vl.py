"""The Qwen2-VL family (Qwen2-VL-2B / -2B-Instruct: VisualThinker-R1-Zero, R1-V).

Also the Qwen-VL pieces Qwen2.5-VL shares with it (``qwen2_5_vl.py`` reuses them): special
tokens, image placeholder, chat template (byte-identical in both), the tokenizer's split pattern,
vision-tower names, the image-only processor and the tiny text decoder's configuration.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from mathrl_pipeline.models.family import ModelFamily

if TYPE_CHECKING:  # a type hint only: tiny.py imports the family registry
    from mathrl_pipeline.models.tiny import TinyModelSpec

# Qwen-VL's special tokens, in Qwen's order (ids follow the learned vocabulary of a tiny model).
QWEN_SPECIAL_TOKENS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
QWEN_EOS_TOKEN = "<|im_end|>"
QWEN_PAD_TOKEN = "<|endoftext|>"  # also Qwen's BOS
# The image placeholder of a raw prompt; the processor expands <|image_pad|> to the patch count.
QWEN_IMAGE_PLACEHOLDER = "<|vision_start|><|image_pad|><|vision_end|>"
# Qwen2's pre-tokenizer regex (byte-level BPE).
QWEN_PRETOKENIZER_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# transformers 5.x: ``model.visual.*`` in a loaded model, ``visual.*`` in checkpoints.
QWEN_VISION_PREFIXES: tuple[str, ...] = ("visual.", "model.visual.")


def qwen_vl_chat_template() -> str:
    """Qwen2-VL's and Qwen2.5-VL's chat template (byte-identical; TRL's copy of the Hub's)."""
    from trl.chat_template_utils import qwen2_5_vl_chat_template

    return qwen2_5_vl_chat_template


def image_only_processor_class(base: type) -> type:
    """``ImageOnly<base>``: a stock Qwen-VL processor class with no video processor.

    With transformers 5.x the stock Qwen-VL processors require a video processor, and every video
    processor imports torchvision, which this CPU stack cannot import. The returned class is the
    stock one minus the video attribute (a PIL image processor does the images).
    """
    from transformers.processing_utils import ProcessorMixin

    def __init__(
        self: Any,
        image_processor: Any = None,
        tokenizer: Any = None,
        chat_template: Any = None,
        **kwargs: Any,
    ) -> None:
        self.image_token = getattr(tokenizer, "image_token", None) or "<|image_pad|>"
        self.video_token = getattr(tokenizer, "video_token", None) or "<|video_pad|>"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
        ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)

    name = f"ImageOnly{base.__name__}"
    doc = f"{base.__name__} with an image processor and a tokenizer only (no torchvision)."
    attributes = {"__init__": __init__, "__module__": __name__, "__doc__": doc}
    return type(name, (base,), {**attributes, "__qualname__": name})


def tiny_image_only_processor(processor_class: type, tokenizer: Any, spec: TinyModelSpec) -> Any:
    """An image-only Qwen-VL processor with a PIL image processor sized by ``spec``."""
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=spec.min_pixels,
        max_pixels=spec.max_pixels,
        patch_size=spec.patch_size,
        merge_size=spec.spatial_merge_size,
        temporal_patch_size=spec.temporal_patch_size,
    )
    return processor_class(
        image_processor=image_processor, tokenizer=tokenizer, chat_template=qwen_vl_chat_template()
    )


def tiny_qwen_vl_config(
    config_class: type, spec: TinyModelSpec, tokenizer: Any, vision_config: dict[str, Any]
) -> Any:
    """A Qwen-VL config: tiny text decoder of ``spec``, token ids taken from ``tokenizer``."""
    ids = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in QWEN_SPECIAL_TOKENS}
    text_config = {
        "vocab_size": max(len(tokenizer), spec.pad_vocab_to or 0),
        "hidden_size": spec.hidden_size,
        "intermediate_size": spec.intermediate_size,
        "num_hidden_layers": spec.num_hidden_layers,
        "num_attention_heads": spec.num_attention_heads,
        "num_key_value_heads": spec.num_key_value_heads,
        "max_position_embeddings": spec.max_position_embeddings,
        "max_window_layers": spec.num_hidden_layers,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": spec.rope_theta,
            "mrope_section": list(spec.mrope_section),
        },
        "bos_token_id": ids[QWEN_PAD_TOKEN],
        "eos_token_id": ids[QWEN_EOS_TOKEN],
        "pad_token_id": ids[QWEN_PAD_TOKEN],
        "head_dim": spec.hidden_size // spec.num_attention_heads,
        "initializer_range": spec.initializer_range,
    }
    return config_class(
        text_config=text_config,
        vision_config=vision_config,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=spec.tie_word_embeddings,
        bos_token_id=ids[QWEN_PAD_TOKEN],
        eos_token_id=ids[QWEN_EOS_TOKEN],
        pad_token_id=ids[QWEN_PAD_TOKEN],
        initializer_range=spec.initializer_range,
        **spec.extra,
    )


@functools.cache
def processor_class() -> type:
    """``ImageOnlyQwen2VLProcessor``."""
    from transformers.models.qwen2_vl.processing_qwen2_vl import Qwen2VLProcessor

    return image_only_processor_class(Qwen2VLProcessor)


def tiny_processor(tokenizer: Any, spec: TinyModelSpec) -> Any:
    """The tiny Qwen2-VL's processor."""
    return tiny_image_only_processor(processor_class(), tokenizer, spec)


def check_tiny(spec: TinyModelSpec) -> None:
    """Qwen2-VL's vision MLP is ``embed_dim x mlp_ratio`` wide, an integer ratio."""
    if spec.vision_intermediate_size % spec.vision_hidden_size:
        raise ValueError(
            "base_model.tiny.vision_intermediate_size must be a multiple of vision_hidden_size "
            f"for Qwen2-VL (its vision MLP ratio is an integer), got "
            f"{spec.vision_intermediate_size} and {spec.vision_hidden_size}"
        )


def tiny_config(spec: TinyModelSpec, tokenizer: Any) -> Any:
    """A ``Qwen2VLConfig`` with tiny sizes and token ids taken from ``tokenizer``."""
    from transformers import Qwen2VLConfig

    vision_config = {
        "depth": spec.vision_depth,
        "embed_dim": spec.vision_hidden_size,
        "hidden_size": spec.hidden_size,  # the merger projects onto the text decoder's width
        "mlp_ratio": spec.vision_intermediate_size // spec.vision_hidden_size,
        "num_heads": spec.vision_num_heads,
        "patch_size": spec.patch_size,
        "spatial_merge_size": spec.spatial_merge_size,
        "temporal_patch_size": spec.temporal_patch_size,
        "initializer_range": spec.initializer_range,
    }
    return tiny_qwen_vl_config(Qwen2VLConfig, spec, tokenizer, vision_config)


FAMILY = ModelFamily(
    name="Qwen2-VL",
    model_types=("qwen2_vl",),
    config_class="Qwen2VLConfig",
    image_placeholder=QWEN_IMAGE_PLACEHOLDER,
    special_tokens=QWEN_SPECIAL_TOKENS,
    eos_token=QWEN_EOS_TOKEN,
    pad_token=QWEN_PAD_TOKEN,
    pretokenizer_pattern=QWEN_PRETOKENIZER_PATTERN,
    vision_prefixes=QWEN_VISION_PREFIXES,
    chat_template=qwen_vl_chat_template,
    processor_class=processor_class,
    tiny_processor=tiny_processor,
    tiny_config=tiny_config,
    check_tiny=check_tiny,
)
