"""Local fixtures in the schemas of the hf_vqa presets, generated here (no rows copied)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from PIL import Image, ImageDraw


def _png(draw_text: str, size: tuple[int, int] = (96, 64)) -> bytes:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.polygon([(10, 55), (50, 8), (88, 55)], outline="black")
    draw.text((40, 40), draw_text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _cell(data: bytes | None) -> dict:
    return {"bytes": data, "path": None}


def clevr_cogen_rows() -> list[dict]:
    """R1-V CLEVR counting: image, problem, solution ``<answer> N </answer>``."""
    return [
        {"image": _cell(_png(str(n))), "problem": "How many items are there in the image?",
         "solution": f"<answer> {n} </answer>"}
        for n in (3, 5, 7)
    ] + [{"image": _cell(None), "problem": "How many items are there in the image?",
          "solution": "<answer> 2 </answer>"}]


def geoqa_rows() -> list[dict]:
    """R1-V GeoQA: image, problem, solution ``<answer>...</answer>``."""
    return [
        {"image": _cell(_png("A")), "problem": f"In triangle ABC, angle A = {a} and angle B = "
         f"{b} degrees. Find angle C.", "solution": f"<answer>{180 - a - b}</answer>"}
        for a, b in ((40, 60), (30, 90), (45, 45))
    ] + [{"image": _cell(b"\x89PNG broken"), "problem": "Find x.",
          "solution": "<answer>2</answer>"}]


def open_r1_rows() -> list[dict]:
    """open-r1-multimodal: image, problem, solution, original_question, original_answer."""
    rows = [
        {"image": _cell(_png("x")), "problem": f"The figure shows y = {k}x. What is y at x = 2?",
         "solution": f"<answer>{2 * k}</answer>", "original_question": "q",
         "original_answer": str(2 * k)}
        for k in (1, 2, 3)
    ]
    rows.append({**rows[0], "problem": ""})
    return rows


def write(rows: list[dict], path: Path) -> Path:
    """Save rows as parquet (image cells as {bytes, path} structs, as datasets stores them)."""
    pd.DataFrame(rows).to_parquet(path)
    return path
