"""LaTeX OCR: an image of a display formula in, its LaTeX inside ``<latex>..</latex>`` out.

Formulas come from im2latex-100k-style lists (one ``formula`` per row) or any dataset with a
formula column. Each is normalised with the reward library's :func:`normalize_latex` (drops
``\\label{..}``, spacing commands and sizing, one space-separated tokenisation), so the gold
the OCR reward compares against is the same string that was rendered. The embedded default
writes im2latex-style rows from sympy-built expressions.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import pandas as pd
import sympy as sp

from mathrl_pipeline.contract import contract_frame
from mathrl_pipeline.rewards.ocr import normalize_latex
from mathrl_pipeline.tasks.cells import is_missing, text_of
from mathrl_pipeline.tasks.ingest import SOURCE_ROW, EmbeddedParams
from mathrl_pipeline.tasks.prompts import PromptParams, PromptStyle, PromptTemplate
from mathrl_pipeline.tasks.rejects import Reject, rejects_frame

logger = logging.getLogger(__name__)

TASK = "latex_ocr"
EMPTY_FORMULA = "empty_formula"
EMPTY_AFTER_NORMALIZE = "empty_after_normalize"

LATEX_SYSTEM_PROMPT = (
    "A conversation between User and Assistant. The user shows an image of a formula, and the "
    "Assistant transcribes it. The assistant first thinks about the reasoning process in the "
    "mind and then provides the LaTeX of the formula. The reasoning process and the LaTeX are "
    "enclosed within <think> </think> and <latex> </latex> tags, respectively, i.e., "
    "<think> reasoning process here </think><latex> LaTeX here </latex>"
)
LATEX_INSTRUCTION = (
    "Write the LaTeX source of the formula shown in the image. Output the thinking process in "
    "<think> </think> and the LaTeX of the formula in <latex> </latex> tags."
)
LATEX_BASE_TEMPLATE = (
    "A conversation between User and Assistant. The user shows an image of a formula, and the "
    "Assistant transcribes it. The assistant first thinks about the reasoning process in the "
    "mind and then provides the LaTeX of the formula. The reasoning process and the LaTeX are "
    "enclosed within <think> </think> and <latex> </latex> tags, respectively.\n"
    "User: {image}{instruction}\nAssistant: Let me transcribe it step by step.\n<think>"
)
DIRECT_INSTRUCTION = (
    "Write the LaTeX source of the formula shown in the image inside <latex> </latex> tags."
)


def latex_prompt(style: PromptStyle) -> list[dict[str, Any]] | str:
    """The (row-independent) prompt of the OCR task."""
    if style == "direct":
        return PromptTemplate(style="instruct", system_prompt="").build(DIRECT_INSTRUCTION)
    template = PromptTemplate(style=style, system_prompt=LATEX_SYSTEM_PROMPT,
                              base_template=LATEX_BASE_TEMPLATE)
    return template.build(LATEX_INSTRUCTION)


def normalize_formulas(rows: pd.DataFrame, max_chars: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise every ``formula``; empty, over-long or normalised-away formulas become rejects.

    The normalised formula is both the gold and what is rendered (``render_text``).
    """
    keep: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    for row in rows.to_dict("records"):
        source_id = row.get("id")
        row_id = f"{TASK}-{row[SOURCE_ROW] if is_missing(source_id) else source_id}"
        raw = text_of(row["formula"])
        if not raw:
            rejects.append(Reject(row_id, "normalize", EMPTY_FORMULA))
            continue
        if len(raw) > max_chars:
            rejects.append(Reject(row_id, "normalize", "formula_too_long",
                                  f"{len(raw)} > {max_chars} characters"))
            continue
        normalized = normalize_latex(raw)
        if not normalized.strip():
            rejects.append(Reject(row_id, "normalize", EMPTY_AFTER_NORMALIZE, raw[:200]))
            continue
        keep.append({"id": row_id, "formula_raw": raw, "formula": normalized,
                     "render_text": normalized, "render_mode": "display"})
    logger.info("latex_ocr normalise kept %d of %d formulas", len(keep), len(rows))
    columns = ["id", "formula_raw", "formula", "render_text", "render_mode"]
    return pd.DataFrame(keep, columns=columns), rejects_frame(rejects)


def build_latex_rows(rendered: pd.DataFrame, prompt: PromptParams) -> pd.DataFrame:
    """Contract rows: the OCR prompt, the rendered image, the normalised formula as gold."""
    built = latex_prompt(prompt.style)
    rows = [
        {
            "id": row["id"],
            "task": TASK,
            "prompt": built,
            "image": row["image"],
            "solution": row["formula"],
            "answer_type": "latex",
            "question": LATEX_INSTRUCTION,
            "difficulty": float(len(row["formula"].split())),
            "topic": None,
            "choices": None,
            "formula_raw": row["formula_raw"],
            "image_width": int(row["image_width"]),
            "image_height": int(row["image_height"]),
        }
        for row in rendered.to_dict("records")
    ]
    return contract_frame(rows, ["formula_raw", "image_width", "image_height"])


# --------------------------------------------------------------------------------------------
# Embedded default: im2latex-style formulas built by sympy

_x, _y, _t, _n, _k = sp.symbols("x y t n k")
_a, _b = sp.symbols("alpha beta")


def _formula(rng: random.Random) -> str:
    c = [rng.randint(1, 9) for _ in range(4)]
    kind = rng.randrange(8)
    if kind == 0:
        expr = sp.Eq(sp.Function("f")(_x), c[0] * _x**c[1] + c[2] * _x - c[3])
    elif kind == 1:
        expr = sp.Integral(sp.sin(c[0] * _x) * sp.exp(-_x), (_x, 0, sp.oo))
    elif kind == 2:
        expr = sp.Sum(1 / _n**c[1], (_n, 1, sp.oo))
    elif kind == 3:
        expr = sp.Eq(_y, (c[0] * _x + c[1]) / (c[2] * _x**2 - c[3]))
    elif kind == 4:
        expr = sp.Matrix([[c[0], _a], [_b, c[1]]])
    elif kind == 5:
        expr = sp.Limit(sp.sin(c[0] * _t) / _t, _t, 0)
    elif kind == 6:
        expr = sp.Eq(sp.sqrt(_x**2 + c[0]) - _a, sp.Derivative(_y, _x, 2))
    else:
        expr = sp.Product(1 + 1 / _k**2, (_k, 1, _n))
    return sp.latex(expr)


def generate_formula_frame(n: int, *, seed: int, malformed_rows: int = 0) -> pd.DataFrame:
    """im2latex-style rows (``formula``), some with ``\\label{..}`` and spacing to normalise."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        formula = _formula(rng)
        if i % 3 == 0:
            formula = f"{formula} \\, .\\label{{eq:{i}}}"
        elif i % 3 == 1:
            formula = f"\\displaystyle {formula} \\quad"
        rows.append({"formula": formula})
    broken = ["", "   ", "\\label{eq:only}\\,", "\\frac{1}{"]
    rows += [{"formula": broken[k % len(broken)]} for k in range(malformed_rows)]
    return pd.DataFrame(rows, columns=["formula"])


def generate_latex_ocr(embedded: EmbeddedParams) -> pd.DataFrame:
    """The embedded default (see :func:`generate_formula_frame`)."""
    return generate_formula_frame(embedded.count, seed=embedded.seed,
                                  malformed_rows=embedded.malformed_rows)
