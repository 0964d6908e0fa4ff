"""Contract DataFrames for the training tests: one drawn digit per row, its digit as solution."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from mathrl_pipeline.tasks.prompts import PromptTemplate


def digit_png(digit: int, width: int = 56, height: int = 56) -> bytes:
    """PNG bytes of ``digit`` drawn black on white."""
    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).text((width // 3, height // 3), str(digit), fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def digit_frame(
    n: int = 8, style: str = "instruct", sizes: list[tuple[int, int]] | None = None
) -> pd.DataFrame:
    """``n`` rows of the dataset contract, prompts as pandas reads them back from parquet."""
    rows: list[dict[str, Any]] = []
    for i in range(n):
        width, height = sizes[i] if sizes else (56, 56)
        prompt = PromptTemplate(style=style).build(f"Row {i}: which digit is shown?")
        if not isinstance(prompt, str):  # nested parquet lists come back as numpy arrays
            prompt = np.array(
                [{**m, "content": np.array(m["content"], dtype=object)} for m in prompt],
                dtype=object,
            )
        rows.append(
            {
                "id": f"digits-{i}",
                "task": "digits",
                "prompt": prompt,
                "image": {"bytes": digit_png(i % 10, width, height), "path": None},
                "solution": str(i % 10),
                "answer_type": "number",
                "question": f"Row {i}: which digit is shown?",
                "difficulty": None,
                "topic": None,
                "choices": None,
            }
        )
    return pd.DataFrame(rows)
