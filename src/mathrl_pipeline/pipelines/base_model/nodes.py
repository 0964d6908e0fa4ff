"""Nodes of the `base_model` pipeline: thin adapters over `mathrl_pipeline.models.tiny`.

No torch at import time (Kedro imports every pipeline module when it registers pipelines).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd

from mathrl_pipeline.models.tiny import TinyModelSpec
from mathrl_pipeline.training.pretrain import PretrainConfig

from .params import TokenizerCorpusParams

logger = logging.getLogger(__name__)


def collect_tokenizer_corpus(split: pd.DataFrame, params: TokenizerCorpusParams) -> list[str]:
    """Text of the corpus columns of a split (the tokenizer's data; templates added later)."""
    columns = [c for c in params.columns if c in split.columns]
    frame = split if params.limit is None else split.head(params.limit)
    texts = [
        str(value)
        for column in columns
        for value in frame[column].tolist()
        if value is not None and not (isinstance(value, float) and math.isnan(value))
    ]
    logger.info("Tokenizer corpus: %d texts from columns %s", len(texts), columns)
    return texts


def build_base_model(corpus: list[str], source: str | None, spec: TinyModelSpec) -> Any:
    """The configured Hub id / path as is, or the tiny model of ``spec`` built on ``corpus``."""
    if source:
        logger.info("Base model: %s (not built)", source)
        return source
    from mathrl_pipeline.models.tiny import build_tiny_model

    return build_tiny_model(corpus, spec)


def pretrain_base_model(bundle: Any, corpus: pd.DataFrame, config: PretrainConfig) -> Any:
    """Pre-train the freshly built tiny model on (prompt, image, completion) rows; a base model."""
    if isinstance(bundle, str):
        raise ValueError(
            "base_model.source is set: a Hub / local model is used as is and not pre-trained; "
            "use the `base_model` pipeline without pre-training"
        )
    missing = sorted({"prompt", "image", "completion"} - set(corpus.columns))
    if missing:
        raise KeyError(f"pre-training corpus lacks columns {missing}")
    from mathrl_pipeline.training.pretrain import pretrain

    history = pretrain(
        bundle.model,
        bundle.processor,
        prompts=list(corpus["prompt"]),
        images=list(corpus["image"]),
        completions=[str(c) for c in corpus["completion"]],
        config=config,
    )
    final = next((h["train_loss"] for h in reversed(history) if "train_loss" in h), float("nan"))
    logger.info("Base model pre-trained on %d rows: mean training loss %.3f", len(corpus), final)
    return bundle
