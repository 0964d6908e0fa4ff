"""LaTeX OCR: an image of a display formula in, its LaTeX inside ``<latex>..</latex>`` out.

Formulas come from im2latex-100k-style lists (one ``formula`` per row) or any dataset with a
formula column (``text`` in linxy/LaTeX_OCR). Each is normalised by the reward library's
:func:`normalize_latex`, the same function the OCR rewards apply to predictions: the outer
display environment unwrapped (``align*`` -> ``aligned`` or its one line), ``\\label{..}``,
spacing commands and sizing dropped, one space-separated tokenisation; the steps are recorded in
the row (``normalization``). The
image is either the normalised formula typeset (so the gold is exactly what is shown) or, with
``latex_ocr.images.use: dataset``, the dataset's own image (handwritten, scanned, im2latex
pages cropped to the formula). The embedded default writes im2latex-style rows from
sympy-built expressions.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sympy as sp
from PIL import Image
from pydantic import Field

from mathrl_pipeline.contract import contract_frame
from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.rendering import RenderConfig
from mathrl_pipeline.rewards.extract import strip_math_delimiters
from mathrl_pipeline.rewards.ocr import normalize_latex, tokenize_latex, unwrap_environment
from mathrl_pipeline.tasks.cells import is_missing, text_of
from mathrl_pipeline.tasks.images import (
    ImagePolicy,
    RowImage,
    decode_image,
    image_cell,
    row_images,
    to_png_bytes,
)
from mathrl_pipeline.tasks.ingest import (
    SOURCE_ROW,
    EmbeddedParams,
    SourceError,
    SourceParams,
    describe_source,
    image_root,
    is_embedded,
)
from mathrl_pipeline.tasks.prompts import PromptParams, PromptStyle, PromptTemplate
from mathrl_pipeline.tasks.rejects import RowError, check_rows, rejects_frame, require_rows

logger = logging.getLogger(__name__)

TASK = "latex_ocr"
EMPTY_FORMULA = "empty_formula"
EMPTY_AFTER_NORMALIZE = "empty_after_normalize"
FORMULA_TOO_LONG = "formula_too_long"
BLANK_IMAGE = "blank_image"

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


class LatexImages(StrictParams):
    """``latex_ocr.images``: the images the model reads.

    ``use``: ``render`` (typeset the normalised formula, the default) or ``dataset`` (the
    source's own images: handwritten, scanned, or im2latex pages). ``crop``: cut a dataset image
    to its ink (the pixels that differ from the border colour by more than ``tolerance``) plus
    ``margin`` pixels, so a full page becomes the formula. Images over ``<task>.render``'s
    ``max_pixels`` are scaled down to fit.
    """

    use: Literal["render", "dataset"] = "render"
    crop: bool = True
    margin: int = Field(8, ge=0)
    tolerance: int = Field(48, ge=1, le=255)




def normalization_steps(raw: str) -> list[str]:
    """What :func:`normalize_latex` changed: the environment unwrapped, the commands and braces
    dropped, the commands that aliases introduced."""
    unwrapped, env = unwrap_environment(raw)
    before = Counter(tokenize_latex(strip_math_delimiters(unwrapped)))
    after = Counter(normalize_latex(raw).split())
    steps = [f"unwrap {env}"] if env else []
    if strip_math_delimiters(raw.strip()) != raw.strip():
        steps.append("strip delimiters")
    removed, added = before - after, after - before
    if removed["{"] or removed["}"]:
        steps.append("drop braces")
    steps += sorted(f"drop {tok}" for tok in removed if tok.startswith("\\") or tok == "~")
    steps += sorted(f"add {tok}" for tok in added if tok.startswith("\\"))
    return steps


def _row_id(row: dict[str, Any]) -> str:
    source_id = row.get("id")
    return f"{TASK}-{row[SOURCE_ROW] if is_missing(source_id) else source_id}"


def crop_to_ink(image: Image.Image, margin: int, tolerance: int) -> Image.Image:
    """The part of ``image`` that differs from its border colour, plus ``margin`` pixels."""
    grey = image.convert("L")
    width, height = grey.size
    border = [grey.getpixel((x, y)) for x in (0, width - 1) for y in (0, height - 1)]
    background = sorted(border)[len(border) // 2]
    ink = grey.point(lambda v: 255 if abs(v - background) > tolerance else 0)
    box = ink.getbbox()
    if box is None:
        raise RowError(BLANK_IMAGE, f"no ink in a {width}x{height} image")
    left, top, right, bottom = box
    return image.crop((max(0, left - margin), max(0, top - margin),
                       min(width, right + margin), min(height, bottom + margin)))


def dataset_image(cell: Any, policy: ImagePolicy, root: Path | None, images: LatexImages,
                  max_pixels: int) -> RowImage:
    """A row's own image: RGB, cropped to the formula, scaled into the pixel budget."""
    picture = row_images(cell, policy, root)[0]
    if not images.crop and picture.width * picture.height <= max_pixels:
        return picture
    image = decode_image(picture.png)
    if images.crop:
        image = crop_to_ink(image, images.margin, images.tolerance)
    if image.width * image.height > max_pixels:
        scale = (max_pixels / (image.width * image.height)) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                             Image.Resampling.LANCZOS)
    return RowImage(to_png_bytes(image), image.width, image.height, picture.source_mode)


def _check_formula(row: dict[str, Any], render: RenderConfig, images: LatexImages,
                   source: SourceParams, root: Path | None) -> dict[str, Any]:
    """One row's normalised formula (and its own image, when asked), or a ``RowError``."""
    raw = text_of(row["formula"])
    if not raw:
        raise RowError(EMPTY_FORMULA)
    if len(raw) > render.max_chars:
        raise RowError(FORMULA_TOO_LONG, f"{len(raw)} > {render.max_chars} characters")
    normalized = normalize_latex(raw)
    if not normalized.strip():
        raise RowError(EMPTY_AFTER_NORMALIZE, raw[:200])
    out = {"formula_raw": raw, "formula": normalized, "normalization": normalization_steps(raw),
           "render_text": normalized, "render_mode": "display", "image": None,
           "image_width": None, "image_height": None, "source_image_mode": None}
    if images.use == "dataset":
        picture = dataset_image(row.get("image"), source.images, root, images,
                                render.max_pixels)
        out.update(render_text=None, image=image_cell(picture.png), image_width=picture.width,
                   image_height=picture.height, source_image_mode=picture.source_mode)
    return out


def normalize_formulas(rows: pd.DataFrame, render: RenderConfig, images: LatexImages,
                       source: SourceParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise every ``formula`` (gold and, by default, what is rendered); with
    ``images.use: dataset`` read each row's own image instead. Bad rows become rejects."""
    if images.use == "dataset" and ("image" not in rows.columns or rows["image"].isna().all()):
        raise SourceError("latex_ocr.images.use is 'dataset' but the source has no image column "
                          "(map one with latex_ocr.source.columns.image)")
    root = image_root(source)
    keep, rejects = check_rows(
        rows, lambda row: _check_formula(row, render, images, source, root), _row_id,
        stage="normalize")
    logger.info("latex_ocr normalise kept %d of %d formulas", len(keep), len(rows))
    require_rows(f"{TASK} normalize", describe_source(source), len(rows), len(keep), rejects)
    columns = ["id", "formula_raw", "formula", "normalization", "render_text", "render_mode",
               "image", "image_width", "image_height", "source_image_mode"]
    return pd.DataFrame(keep, columns=columns), rejects_frame(rejects)


def build_latex_rows(rendered: pd.DataFrame, prompt: PromptParams) -> pd.DataFrame:
    """Contract rows: the OCR prompt, the image, the normalised formula as gold."""
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
            "normalization": list(row["normalization"]),
            "image_width": int(row["image_width"]),
            "image_height": int(row["image_height"]),
            "source_image_mode": row["source_image_mode"],
        }
        for row in rendered.to_dict("records")
    ]
    return contract_frame(rows, ["formula_raw", "normalization", "image_width", "image_height",
                                 "source_image_mode"])


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


def generate_latex_ocr(embedded: EmbeddedParams, source: SourceParams) -> pd.DataFrame:
    """The embedded default (see :func:`generate_formula_frame`); none unless
    ``latex_ocr.source.path`` is ``embedded``."""
    if not is_embedded(source):
        return pd.DataFrame(columns=["formula"])
    return generate_formula_frame(embedded.count, seed=embedded.seed,
                                  malformed_rows=embedded.malformed_rows)
