"""Evaluate one model on one split: load, build prompts per style, generate, return responses."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mathrl_pipeline.contract import prompt_text
from mathrl_pipeline.evaluation.generation import (
    DecodeSettings,
    Generation,
    generate_hf,
    generate_vllm,
    vllm_available,
)
from mathrl_pipeline.evaluation.prompting import restyle_prompt

logger = logging.getLogger(__name__)

RESPONSE_COLUMNS: tuple[str, ...] = (
    "id",
    "style",
    "mode",
    "sample",
    "prompt",
    "response",
    "length",
    "truncated",
)


def model_source(model: Any) -> Any:
    """Where a catalog model value points: a path / Hub id string, or a loaded (model, processor).

    Accepts a string or ``PathLike``, a dict with ``path``, an object with a ``path`` attribute,
    an object with ``model`` and ``processor`` attributes (e.g. ``TinyModelBundle``), or a
    ``(model, processor)`` pair.
    """
    if isinstance(model, str | os.PathLike):
        return str(model)
    if isinstance(model, Mapping) and "path" in model:
        return str(model["path"])
    if hasattr(model, "model") and hasattr(model, "processor"):
        return (model.model, model.processor)
    if isinstance(model, tuple) and len(model) == 2:
        return model
    path = getattr(model, "path", None)
    if path is not None:
        return str(path)
    raise TypeError(
        f"cannot evaluate a model given as {type(model).__name__}: expected a path, a Hub id, "
        "a dict with 'path', or an object with 'model' and 'processor'"
    )


def load_model_and_processor(source: str, dtype: str = "float32") -> tuple[Any, Any]:
    """Load a model directory or Hub id with the training stack's loader (eval mode)."""
    from mathrl_pipeline.models.loading import load_model, load_processor
    from mathrl_pipeline.training.config import ModelParams

    params = ModelParams(dtype=dtype, attn_implementation=None)  # type: ignore[arg-type]
    model = load_model(source, params)
    processor = load_processor(source, params)
    model.eval()
    return model, processor


def _rows(
    generations: list[Generation], split: pd.DataFrame, prompts: list[Any], style: str, mode: str
) -> list[dict[str, Any]]:
    ids = split["id"].tolist()
    return [
        {
            "id": ids[g.row],
            "style": style,
            "mode": mode,
            "sample": g.sample,
            "prompt": prompt_text(prompts[g.row]),
            "response": g.text,
            "length": g.length,
            "truncated": g.truncated,
        }
        for g in generations
    ]


def generate_responses(
    model: Any,
    processor: Any,
    split: pd.DataFrame,
    styles: Sequence[str],
    decodes: Mapping[str, DecodeSettings],
    *,
    batch_size: int = 8,
    backend: str = "hf",
    source_path: str | None = None,
    vllm_kwargs: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Responses of ``model`` to every row of ``split`` for each prompt style and decode mode.

    ``decodes`` maps a mode name (``greedy``, ``sample``) to its settings. ``backend`` is ``hf``
    or ``vllm`` (needs ``source_path`` and vLLM installed).
    """
    if backend == "vllm" and not vllm_available():
        raise ImportError("evaluate.backend is 'vllm' but vLLM is not installed here")
    images = split["image"].tolist()
    rows: list[dict[str, Any]] = []
    for style in styles:
        prompts = [restyle_prompt(p, style) for p in split["prompt"]]
        for mode, settings in decodes.items():
            if backend == "vllm":
                if source_path is None:
                    raise ValueError("the vllm backend needs a model path or Hub id")
                gens = generate_vllm(
                    source_path, processor, prompts, images, settings, engine_kwargs=vllm_kwargs
                )
            else:
                gens = generate_hf(
                    model, processor, prompts, images, settings, batch_size=batch_size
                )
            rows.extend(_rows(gens, split, prompts, style, mode))
    return pd.DataFrame(rows, columns=list(RESPONSE_COLUMNS))


def evaluate_source(
    model: Any,
    split: pd.DataFrame,
    styles: Sequence[str],
    decodes: Mapping[str, DecodeSettings],
    *,
    batch_size: int = 8,
    backend: str = "hf",
    dtype: str = "float32",
) -> pd.DataFrame:
    """Resolve ``model`` (see :func:`model_source`), load it if needed, then generate responses."""
    source = model_source(model)
    if isinstance(source, tuple):
        loaded, processor = source
        path = None
    else:
        path = source
        if backend == "vllm":
            from transformers import AutoProcessor

            loaded, processor = None, AutoProcessor.from_pretrained(path)
        else:
            loaded, processor = load_model_and_processor(path, dtype)
        logger.info("Evaluating %s", path if Path(path).exists() else f"Hub model {path}")
    return generate_responses(
        loaded,
        processor,
        split,
        styles,
        decodes,
        batch_size=batch_size,
        backend=backend,
        source_path=path,
    )
