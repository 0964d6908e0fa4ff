"""Turn TRL completions (plain strings or conversational messages) into plain text."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger(__name__)

#: Completions longer than this are cut to their last ``MAX_COMPLETION_CHARS`` characters
#: before any parsing (the answer is at the end; the head only costs time).
MAX_COMPLETION_CHARS = 200_000


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
    """Plain text of a prompt (same rules as :func:`completion_text`, all roles kept)."""
    if isinstance(prompt, Sequence) and not isinstance(prompt, str):
        return "".join(_content_text(m.get("content")) for m in prompt if isinstance(m, dict))
    return completion_text(prompt)


def column(kwargs: dict[str, Any], name: str, n: int, default: Any = None) -> list[Any]:
    """Column ``name`` from TRL's keyword arguments as a list of length ``n``.

    Missing column -> ``[default] * n``; a scalar is broadcast.
    """
    value = kwargs.get(name)
    if value is None:
        return [default] * n
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Sequence):
        return [value] * n
    values = list(value)
    if len(values) != n:
        raise ValueError(f"column {name!r} has {len(values)} rows for {n} completions")
    return values
