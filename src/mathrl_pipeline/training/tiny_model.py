"""Build, offline, a tiny model of the real Qwen2.5-VL architecture with its own tokenizer.

The tokenizer is a byte-level BPE trained locally on a text corpus (the project's questions,
solutions and prompt templates), with Qwen's special tokens and Qwen2.5-VL's chat template. The
R1 tags ``<think>``, ``</think>``, ``<answer>``, ``</answer>`` are *ordinary text*, as in Qwen
(the BPE learns them from the prompt templates, so each is one or a few learnable tokens).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# Qwen2.5-VL's special tokens, in Qwen's order (ids follow the learned vocabulary here).
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
R1_TAGS: tuple[str, ...] = ("<think>", "</think>", "<answer>", "</answer>")
# Always in the corpus so that answers, arithmetic and LaTeX tokenise into short pieces.
BASE_CORPUS: tuple[str, ...] = (
    "0 1 2 3 4 5 6 7 8 9 10 100 1000 0.5 -1 + - * / = < > ( ) [ ] { } ^ _ , . ; : ! ? % $",
    r"\frac{1}{2} \sqrt{2} \pi \cdot \times \div \le \ge \ne \infty \sum \int \log \sin \cos",
    r"\alpha \beta \gamma \theta x y z n k a b c f(x) x^2 \left( \right) \boxed{42}",
    "The answer is 7. Let me solve this step by step. First, second, then, so, therefore.",
    "wait, let me check again. Hmm, alternatively, verify: recheck the result.",
    "A B C D (A) (B) (C) (D) yes no true false",
)


@dataclass(frozen=True)
class TinyModelSpec:
    """Sizes of the tiny Qwen2.5-VL (text decoder, vision tower and tokenizer)."""

    vocab_size: int = 1024
    hidden_size: int = 64
    intermediate_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    mrope_section: tuple[int, ...] = (2, 3, 3)
    # Qwen's 1e6 suits head_dim 128; with a tiny head_dim the height/width sections of M-RoPE
    # would get near-zero frequencies and image tokens would carry no position (see docs).
    rope_theta: float = 1_000_000.0
    # std of the initial weights; transformers' 0.02 suits wide layers, not 32-wide ones
    initializer_range: float = 0.02
    vision_depth: int = 1
    vision_hidden_size: int = 32
    vision_intermediate_size: int = 64
    vision_num_heads: int = 2
    patch_size: int = 14
    spatial_merge_size: int = 2
    temporal_patch_size: int = 2
    max_position_embeddings: int = 4096
    min_pixels: int = 56 * 56
    max_pixels: int = 112 * 112
    seed: int = 0
    tie_word_embeddings: bool = True
    pad_vocab_to: int | None = None  # benchmark shapes: the real model's vocabulary size
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        head_dim = self.hidden_size // self.num_attention_heads
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                "base_model.tiny.hidden_size must be a multiple of num_attention_heads, got "
                f"{self.hidden_size} and {self.num_attention_heads}"
            )
        if sum(self.mrope_section) * 2 != head_dim:
            raise ValueError(
                f"base_model.tiny.mrope_section must sum to head_dim/2 = {head_dim // 2}, got "
                f"{list(self.mrope_section)} (sum {sum(self.mrope_section)})"
            )


def qwen2_5_vl_chat_template() -> str:
    """Qwen2.5-VL's chat template (the copy TRL ships, identical to the Hub's)."""
    from trl.chat_template_utils import qwen2_5_vl_chat_template as template

    return template


def train_tokenizer(corpus: Iterable[str], vocab_size: int) -> Any:
    """A byte-level BPE (Qwen2's pre-tokenizer) with Qwen's special tokens, trained on corpus."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    qwen_split = (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
        r"|\s*[\r\n]+|\s+(?!\S)|\s+"
    )
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(qwen_split), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(QWEN_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(corpus), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
        model_max_length=32768,
        padding_side="left",
        clean_up_tokenization_spaces=False,
        chat_template=qwen2_5_vl_chat_template(),
    )
    return fast


def tokenizer_corpus(texts: Iterable[str]) -> list[str]:
    """The tokenizer's training text: given texts, prompt templates, R1 tags, digits and LaTeX."""
    from mathrl_pipeline.tasks import prompts

    corpus = [t for t in texts if t]
    templates = [
        prompts.R1_SYSTEM_PROMPT,
        prompts.DIRECT_SYSTEM_PROMPT,
        prompts.BASE_TEMPLATE.format(image="", instruction=prompts.DEFAULT_INSTRUCTION),
        prompts.DEFAULT_INSTRUCTION,
    ]
    tags = " ".join(
        f"{R1_TAGS[0]} reasoning {R1_TAGS[1]}{R1_TAGS[2]} {d} {R1_TAGS[3]}" for d in "0123456789"
    )
    # Repeat the fixed texts so their merges win against a large data corpus.
    return corpus + (templates + [tags] + list(BASE_CORPUS)) * 20


def tiny_config(spec: TinyModelSpec, tokenizer: Any) -> Any:
    """A ``Qwen2_5_VLConfig`` with tiny sizes and token ids taken from ``tokenizer``."""
    from transformers import Qwen2_5_VLConfig

    ids = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in QWEN_SPECIAL_TOKENS}
    head_dim = spec.hidden_size // spec.num_attention_heads
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
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
        "head_dim": head_dim,
        "initializer_range": spec.initializer_range,
    }
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
    return Qwen2_5_VLConfig(
        text_config=text_config,
        vision_config=vision_config,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=spec.tie_word_embeddings,
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<|endoftext|>"],
        initializer_range=spec.initializer_range,
        **spec.extra,
    )


@dataclass
class TinyModelBundle:
    """A built model with its processor; ``save_pretrained`` writes one loadable directory."""

    model: Any
    processor: Any

    def save_pretrained(self, path: str | Path) -> None:
        """Write weights, config, generation config, tokenizer, image processor and template."""
        self.model.save_pretrained(str(path))
        self.processor.save_pretrained(str(path))


def build_tiny_model(texts: Iterable[str], spec: TinyModelSpec | None = None) -> TinyModelBundle:
    """Train the tokenizer on ``texts`` (plus fixed text) and build a random-weight tiny model."""
    import torch
    from transformers import AutoModelForImageTextToText, GenerationConfig
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    from mathrl_pipeline.training.processor import (
        ImageOnlyQwen2_5_VLProcessor,
        register_image_only_processor,
    )

    spec = spec or TinyModelSpec()
    register_image_only_processor()
    tokenizer = train_tokenizer(tokenizer_corpus(texts), spec.vocab_size)
    image_processor = Qwen2VLImageProcessorPil(
        min_pixels=spec.min_pixels,
        max_pixels=spec.max_pixels,
        patch_size=spec.patch_size,
        merge_size=spec.spatial_merge_size,
        temporal_patch_size=spec.temporal_patch_size,
    )
    processor = ImageOnlyQwen2_5_VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        chat_template=qwen2_5_vl_chat_template(),
    )
    config = tiny_config(spec, tokenizer)
    torch.manual_seed(spec.seed)
    model = AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=[config.eos_token_id, config.pad_token_id],
        pad_token_id=config.pad_token_id,
        do_sample=True,
        temperature=1.0,
    )
    n_params = sum(p.numel() for p in model.parameters())
    logger.info("Built tiny Qwen2.5-VL: %d parameters, vocabulary %d", n_params, len(tokenizer))
    return TinyModelBundle(model=model, processor=processor)
