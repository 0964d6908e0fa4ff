"""Shared inputs of the model tests."""

from __future__ import annotations

from typing import Any

from PIL import Image


def image_messages(size: tuple[int, int] = (56, 56)) -> list[dict[str, Any]]:
    """One user turn: a white image of ``size`` and a question."""
    return [
        {
            "role": "user",
            "content": [
                {"type": "image", "image": Image.new("RGB", size, "white")},
                {"type": "text", "text": "Row 1: which digit is shown?"},
            ],
        }
    ]
