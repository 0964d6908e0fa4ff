"""Build, offline, a tiny random-weight model of a real architecture with its own tokenizer.

The architecture is a family's (``TinyModelSpec.model_type``, Qwen2.5-VL by default); the
tokenizer is a byte-level BPE trained locally (``models/tokenizer.py``) with the family's special
tokens and chat template. ``TinyModelSpec`` is also the type of the ``base_model.tiny`` parameters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from mathrl_pipeline.models.family import family_for
from mathrl_pipeline.models.tokenizer import tokenizer_corpus, train_tokenizer
from mathrl_pipeline.params import StrictParams

logger = logging.getLogger(__name__)


class TinyModelSpec(StrictParams):
    """Sizes of the tiny model (text decoder, vision tower and tokenizer): ``base_model.tiny``."""

    model_type: str = "qwen2_5_vl"  # the family's config ``model_type`` (models.FAMILIES)
    vocab_size: int = Field(1024, ge=1)  # upper bound; a small corpus learns fewer merges
    hidden_size: int = Field(64, ge=1)
    intermediate_size: int = Field(128, ge=1)
    num_hidden_layers: int = Field(2, ge=1)
    num_attention_heads: int = Field(4, ge=1)
    num_key_value_heads: int = Field(2, ge=1)
    mrope_section: tuple[int, ...] = (2, 3, 3)  # must sum to head_dim / 2
    # Qwen's 1e6 suits head_dim 128; with a tiny head_dim the height/width sections of M-RoPE
    # would get near-zero frequencies and image tokens would carry no position (see docs).
    rope_theta: float = Field(1_000_000.0, gt=0)
    # std of the initial weights; transformers' 0.02 suits wide layers, not 32-wide ones
    initializer_range: float = Field(0.02, gt=0)
    vision_depth: int = Field(1, ge=1)
    vision_hidden_size: int = Field(32, ge=1)
    vision_intermediate_size: int = Field(64, ge=1)
    vision_num_heads: int = Field(2, ge=1)
    patch_size: int = Field(14, ge=1)
    spatial_merge_size: int = Field(2, ge=1)
    temporal_patch_size: int = Field(2, ge=1)
    max_position_embeddings: int = Field(4096, ge=1)
    min_pixels: int = Field(56 * 56, ge=1)
    max_pixels: int = Field(112 * 112, ge=1)
    seed: int = 0
    tie_word_embeddings: bool = True
    pad_vocab_to: int | None = None  # benchmark shapes: the real model's vocabulary size
    extra: dict[str, Any] = {}  # any other keyword of the family's config class, verbatim

    @field_validator("model_type")
    @classmethod
    def _known_family(cls, model_type: str) -> str:
        try:
            family_for(model_type)
        except ValueError as error:
            raise ValueError(f"base_model.tiny.model_type: {error}") from None
        return model_type

    @model_validator(mode="after")
    def _check_sizes(self) -> TinyModelSpec:
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
        check = family_for(self.model_type).check_tiny
        if check is not None:
            check(self)
        return self


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

    spec = spec or TinyModelSpec()
    family = family_for(spec.model_type)
    family.register_processor()
    tokenizer = train_tokenizer(tokenizer_corpus(texts), spec.vocab_size, family)
    processor = family.tiny_processor(tokenizer, spec)
    config = family.tiny_config(spec, tokenizer)
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
    logger.info(
        "Built tiny %s: %d parameters, vocabulary %d", family.name, n_params, len(tokenizer)
    )
    return TinyModelBundle(model=model, processor=processor)
