"""Nodes of the `base_model` pipeline: thin adapters over `mathrl_pipeline.training.tiny_model`.

No torch at import time (Kedro imports every pipeline module when it registers pipelines).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

logger = logging.getLogger(__name__)


class TinySpecParams(BaseModel):
    """Sizes of the tiny Qwen2.5-VL (see ``TinyModelSpec``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vocab_size: int = 1024
    hidden_size: int = 64
    intermediate_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    mrope_section: list[int] = Field(default_factory=lambda: [2, 3, 3])
    rope_theta: float = 1_000_000.0
    initializer_range: float = 0.02
    vision_depth: int = 1
    vision_hidden_size: int = 32
    vision_intermediate_size: int = 64
    vision_num_heads: int = 2
    patch_size: int = 14
    min_pixels: int = 56 * 56
    max_pixels: int = 224 * 224
    seed: int = 0


class PretrainParams(BaseModel):
    """The short pre-training that makes the tiny model a base model (``training/pretrain.py``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    epochs: float = Field(20.0, gt=0)
    batch_size: int = Field(16, ge=1)
    learning_rate: float = Field(3e-3, gt=0)
    seed: int = 0
    max_length: int = Field(512, ge=16)
    output_dir: str = "data/06_models/pretrain_work"


class BaseModelParams(BaseModel):
    """``base_model`` parameters: a Hub id / path to use as is, or the tiny model to build."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = None  # e.g. Qwen/Qwen2.5-VL-3B-Instruct; None builds the tiny model
    corpus_columns: list[str] = Field(default_factory=lambda: ["question", "solution"])
    corpus_limit: int | None = 20000
    tiny: TinySpecParams = Field(default_factory=TinySpecParams)
    pretrain: PretrainParams = Field(default_factory=PretrainParams)


def collect_tokenizer_corpus(split: pd.DataFrame, params: dict[str, Any]) -> list[str]:
    """Text of the corpus columns of a split (the tokenizer's data; templates added later)."""
    p = BaseModelParams.model_validate(params)
    columns = [c for c in p.corpus_columns if c in split.columns]
    frame = split if p.corpus_limit is None else split.head(p.corpus_limit)
    texts = [
        str(value)
        for column in columns
        for value in frame[column].tolist()
        if value is not None and not (isinstance(value, float) and math.isnan(value))
    ]
    logger.info("Tokenizer corpus: %d texts from columns %s", len(texts), columns)
    return texts


def build_base_model(corpus: list[str], params: dict[str, Any]) -> Any:
    """The tiny Qwen2.5-VL bundle built on ``corpus``, or the configured Hub id / path."""
    p = BaseModelParams.model_validate(params)
    if p.source:
        logger.info("Base model: %s (not built)", p.source)
        return p.source
    from mathrl_pipeline.training.tiny_model import TinyModelSpec, build_tiny_model

    spec = TinyModelSpec(**{**p.tiny.model_dump(), "mrope_section": tuple(p.tiny.mrope_section)})
    return build_tiny_model(corpus, spec)


def pretrain_base_model(bundle: Any, corpus: pd.DataFrame, params: dict[str, Any]) -> Any:
    """Pre-train the freshly built tiny model on (prompt, image, completion) rows; a base model."""
    p = BaseModelParams.model_validate(params)
    if p.source:
        raise ValueError(
            "base_model.source is set: a Hub / local model is used as is and not pre-trained; "
            "use the `base_model` pipeline without pre-training"
        )
    missing = sorted({"prompt", "image", "completion"} - set(corpus.columns))
    if missing:
        raise KeyError(f"pre-training corpus lacks columns {missing}")
    from mathrl_pipeline.training.pretrain import PretrainConfig, pretrain

    config = PretrainConfig(
        epochs=p.pretrain.epochs,
        batch_size=p.pretrain.batch_size,
        learning_rate=p.pretrain.learning_rate,
        seed=p.pretrain.seed,
        max_length=p.pretrain.max_length,
    )
    history = pretrain(
        bundle.model,
        bundle.processor,
        prompts=list(corpus["prompt"]),
        images=list(corpus["image"]),
        completions=[str(c) for c in corpus["completion"]],
        config=config,
        output_dir=p.pretrain.output_dir,
    )
    final = next((h["train_loss"] for h in reversed(history) if "train_loss" in h), float("nan"))
    logger.info("Base model pre-trained on %d rows: mean training loss %.3f", len(corpus), final)
    return bundle
