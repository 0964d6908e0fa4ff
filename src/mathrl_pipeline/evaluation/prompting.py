"""Prompts for evaluation: rebuild a row's prompt in another style (R1 reasoning vs direct)."""

from __future__ import annotations

import logging
import re
from typing import Any

from mathrl_pipeline.contract import plain
from mathrl_pipeline.models.qwen2_vl import QWEN_IMAGE_PLACEHOLDER
from mathrl_pipeline.tasks.prompts import BASE_TEMPLATE, PromptTemplate

logger = logging.getLogger(__name__)

# Sentences that ask for the thinking block; dropped from the instruction in the direct style.
_THINK_SENTENCE = re.compile(r"[^.!?\n]*<think>[^.!?\n]*[.!?]?\s*", re.IGNORECASE)
DIRECT_FALLBACK = "Put only the final answer in <answer> </answer> tags."
_, _BASE_SUFFIX = BASE_TEMPLATE.split("{instruction}")


def instruction_of(prompt: Any) -> str:
    """The instruction text of a contract prompt: the user turn's text, or the base string's."""
    prompt = plain(prompt)
    if isinstance(prompt, str):
        _, sep, after = prompt.partition(QWEN_IMAGE_PLACEHOLDER)
        text = after if sep else prompt
        return text.split(_BASE_SUFFIX)[0].strip() if _BASE_SUFFIX in text else text.strip()
    users = [m for m in prompt if m.get("role") == "user"]
    if not users:
        raise ValueError("prompt has no user turn")
    blocks = users[-1]["content"]
    if isinstance(blocks, str):
        return blocks
    return "\n".join(b["text"] for b in blocks if b.get("type") == "text" and b.get("text"))


def direct_instruction(instruction: str) -> str:
    """The instruction without sentences that ask for ``<think>``; a fallback if nothing is left."""
    kept = _THINK_SENTENCE.sub("", instruction).strip()
    return kept if kept else DIRECT_FALLBACK


def restyle_prompt(prompt: Any, style: str, system_prompt: str | None = None) -> Any:
    """Rebuild ``prompt`` in ``style``: ``keep`` (as is), ``instruct``, ``base`` or ``direct``."""
    if style == "keep":
        return plain(prompt)
    instruction = instruction_of(prompt)
    if style == "direct":
        instruction = direct_instruction(instruction)
    template = PromptTemplate(style=style)  # type: ignore[arg-type]
    if system_prompt is not None:
        template = PromptTemplate(style=style, system_prompt=system_prompt)  # type: ignore[arg-type]
    return template.build(instruction)
