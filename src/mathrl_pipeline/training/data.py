"""The train split (dataset contract DataFrame) as a ``datasets.Dataset`` for TRL's GRPOTrainer.

TRL 1.16 only accepts images with *conversational* prompts ("Multimodal training requires
conversational prompts"). The ``base`` style (VisualThinker: one string with the model family's
image placeholder, ending in ``<think>``) is therefore wrapped into one user message whose blocks
are the text before the placeholder, the image and the text after it, and trained with the
family's ``raw_chat_template``, which renders the blocks verbatim: the model sees exactly the
original string.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
from typing import Any

import pandas as pd

from mathrl_pipeline.contract import plain

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS: tuple[str, ...] = ("prompt", "image", "solution")


def _stable(value: Any) -> Any:
    """A cell as JSON-able data: bytes by digest, missing values as None, arrays as lists."""
    value = plain(value)
    if isinstance(value, bytes | bytearray):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    if isinstance(value, dict):
        return {str(k): _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def frame_fingerprint(df: pd.DataFrame) -> str:
    """``sha256:<digest>`` of a split's columns and rows (images by content), order included."""
    digest = hashlib.sha256(json.dumps([str(c) for c in df.columns]).encode())
    for row in df.itertuples(index=False, name=None):
        cells = [_stable(v) for v in row]
        digest.update(json.dumps(cells, sort_keys=True, default=str).encode())
    return f"sha256:{digest.hexdigest()}"


def base_prompt_to_messages(prompt: str, image_placeholder: str) -> list[dict[str, Any]]:
    """Wrap a ``base``-style string prompt into one user message: text, image, text blocks."""
    before, sep, after = prompt.partition(image_placeholder)
    if not sep:
        raise ValueError(
            "train_split.prompt: a base-style (string) prompt must contain the model's image "
            f"placeholder {image_placeholder!r}"
        )
    blocks = [{"type": "text", "text": before}, {"type": "image", "text": None}]
    blocks.append({"type": "text", "text": after})
    return [{"role": "user", "content": blocks}]


def normalise_prompt(prompt: Any, image_placeholder: str) -> list[dict[str, Any]]:
    """A contract prompt (message list or base string) as a plain message list."""
    if isinstance(prompt, str):
        return base_prompt_to_messages(prompt, image_placeholder)
    messages = plain(prompt)
    return [
        {
            "role": m["role"],
            "content": [{"type": b["type"], "text": b.get("text")} for b in m["content"]],
        }
        for m in messages
    ]


def prompt_style(df: pd.DataFrame) -> str:
    """``base`` when prompts are strings, else ``chat``; mixed styles are an error."""
    kinds = {isinstance(p, str) for p in df["prompt"]}
    if len(kinds) > 1:
        raise ValueError("train_split.prompt mixes string (base) and conversational prompts")
    return "base" if kinds == {True} else "chat"


def image_size(cell: Any) -> tuple[int, int]:
    """(width, height) of an image cell (``{"bytes": ...}`` or PIL image) without decoding it."""
    from PIL import Image

    if isinstance(cell, dict):
        with Image.open(io.BytesIO(cell["bytes"])) as img:
            return img.size
    return cell.size


def check_columns(df: pd.DataFrame, needed: tuple[str, ...] = REQUIRED_COLUMNS) -> None:
    """Raise, naming the column, when the train split lacks what GRPO or the rewards need."""
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise ValueError(
            f"train_split is missing column(s) {missing} (have {list(df.columns)}); the dataset "
            "contract (docs/dataset_contract.md) requires them for train.rewards"
        )
    if df.empty:
        raise ValueError("train_split is empty")


def check_pixel_budget(df: pd.DataFrame, max_pixels: int | None, allow_downscale: bool) -> None:
    """Raise when an image exceeds ``train.model.max_pixels`` (it would be silently downscaled)."""
    if max_pixels is None or allow_downscale:
        return
    for row_id, cell in zip(df.get("id", df.index), df["image"], strict=True):
        width, height = image_size(cell)
        if width * height > max_pixels:
            raise ValueError(
                f"train.model.max_pixels: image of row {row_id!r} has {width}x{height} = "
                f"{width * height} pixels, over the budget of {max_pixels}; raise "
                "train.model.max_pixels or set train.model.allow_downscale: true"
            )


def to_grpo_dataset(df: pd.DataFrame, image_placeholder: str) -> Any:
    """The contract DataFrame as a ``datasets.Dataset`` with an ``Image`` column (a copy).

    ``image_placeholder``: the model family's, where ``base``-style string prompts hold the image.
    """
    import datasets

    records = []
    for row in df.to_dict(orient="records"):
        record = {k: plain(v) for k, v in row.items()}
        record["prompt"] = normalise_prompt(row["prompt"], image_placeholder)
        image = record["image"]
        if isinstance(image, dict):
            record["image"] = {"bytes": image["bytes"], "path": image.get("path")}
        records.append(record)
    dataset = datasets.Dataset.from_list(records)
    return dataset.cast_column("image", datasets.Image())
