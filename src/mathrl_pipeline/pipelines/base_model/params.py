"""Typed parameters of the `base_model` pipeline that are not a library type of their own.

``base_model.tiny`` is ``models.tiny.TinyModelSpec`` and ``base_model.pretrain`` is
``training.pretrain.PretrainConfig``; ``base_model.source`` is a Hub id or local path (or null).
"""

from __future__ import annotations

from pydantic import Field

from mathrl_pipeline.params import StrictParams


class TokenizerCorpusParams(StrictParams):
    """``base_model.corpus``: the columns of `tokenizer_corpus_split` the tiny BPE learns from."""

    columns: list[str] = ["question", "solution"]  # absent columns are skipped
    limit: int | None = Field(20000, ge=0)  # the split's first rows only; null: every row
