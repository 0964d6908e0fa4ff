"""The GRPO dataset contract (``docs/dataset_contract.md``): columns, answer types, prompt text.

Every task writes its splits with :data:`CONTRACT_COLUMNS`; rewards, training and evaluation read
them through the helpers here, so that a prompt, a completion and an answer type mean the same
thing in every room; :func:`plain` turns a row read back from parquet into Python values.
Plain Python: no torch, no Kedro.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

CONTRACT_COLUMNS: tuple[str, ...] = (
    "id",
    "task",
    "prompt",
    "image",
    "solution",
    "answer_type",
    "question",
    "difficulty",
    "topic",
    "choices",
)
# How the accuracy reward reads the gold: Math-Verify (math, number), a choice (multiple_choice),
# a normalised string (text), a normalised LaTeX transcription (latex).
ANSWER_TYPES: tuple[str, ...] = ("math", "number", "multiple_choice", "text", "latex")
IMAGE_MARKER = "<image>"  # how prompt_text shows an image block

#: Completions longer than this are cut to their last ``MAX_COMPLETION_CHARS`` characters
#: before any parsing (the answer is at the end; the head only costs time).
MAX_COMPLETION_CHARS = 200_000


def answer_type_of(answer_type: Any, choices: Any = None) -> str:
    """The answer type of a row: its ``answer_type``, else multiple choice when it has choices,
    else math. An unknown type is an error naming the valid ones."""
    if isinstance(answer_type, str) and answer_type:
        kind = answer_type.lower()
    else:
        has_choices = choices is not None and len(choices) > 0
        kind = "multiple_choice" if has_choices else "math"
    if kind not in ANSWER_TYPES:
        raise ValueError(f"unknown answer_type {kind!r}; valid: {', '.join(ANSWER_TYPES)}")
    return kind


def plain(value: Any) -> Any:
    """Numpy arrays (how pandas reads nested parquet lists) to Python lists, recursively."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type", "text") == "text":
                text = block.get("text")
                if isinstance(text, str):
                    parts.append(text)
        return "".join(parts)
    return str(content)


def completion_text(completion: Any) -> str:
    """Plain text of one completion.

    Accepts a string, a single message ``{"role": ..., "content": ...}`` or a list of messages
    (the assistant messages are concatenated); ``content`` may be a string or a list of
    ``{"type": "text", "text": ...}`` blocks (image blocks are ignored). Never raises;
    the result is capped to the last :data:`MAX_COMPLETION_CHARS` characters.
    """
    try:
        if isinstance(completion, str):
            text = completion
        elif isinstance(completion, dict):
            text = _content_text(completion.get("content"))
        elif isinstance(completion, Sequence):
            messages = [m for m in completion if isinstance(m, dict)]
            assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
            text = "".join(_content_text(m.get("content")) for m in (assistant or messages))
        elif completion is None:
            text = ""
        else:
            text = str(completion)
    except Exception:  # noqa: BLE001 - hostile objects must never escape
        logger.debug("could not read completion text", exc_info=True)
        text = ""
    if len(text) > MAX_COMPLETION_CHARS:
        text = text[-MAX_COMPLETION_CHARS:]
    return text


def prompt_text(prompt: Any) -> str:
    """Readable text of a contract prompt: a base-style string as is, chat messages flattened
    one block a line (image blocks as ``<image>``). For logs, reports and samples."""
    if isinstance(prompt, str):
        return prompt
    parts: list[str] = []
    for message in prompt if prompt is not None else []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            parts.append(content)
            continue
        for block in content if content is not None else []:
            if isinstance(block, dict) and block.get("type") == "image":
                parts.append(IMAGE_MARKER)
            elif isinstance(block, dict) and block.get("text"):
                parts.append(str(block["text"]))
    return "\n".join(parts)


def contract_frame(rows: list[dict[str, Any]], extra_columns: Iterable[str] = ()) -> pd.DataFrame:
    """Rows as a DataFrame with the contract's columns first, then ``extra_columns``."""
    columns = [*CONTRACT_COLUMNS, *[c for c in extra_columns if c not in CONTRACT_COLUMNS]]
    frame = pd.DataFrame(rows, columns=columns)
    frame["difficulty"] = pd.to_numeric(frame["difficulty"], errors="coerce").astype("float64")
    return frame
