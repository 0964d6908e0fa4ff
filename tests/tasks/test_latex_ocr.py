"""LaTeX OCR rows: normalisation with rejects, prompts, the embedded formula generator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mathrl_pipeline.rendering import RenderConfig
from mathrl_pipeline.rewards.ocr import normalize_latex
from mathrl_pipeline.tasks import latex_ocr
from mathrl_pipeline.tasks.ingest import SourceParams
from mathrl_pipeline.tasks.latex_ocr import LatexImages
from tests.fixtures.hub_layouts import encoded, formula_page, handwritten, rgb_pixels

RENDER = LatexImages()
SOURCE = SourceParams()


def _frame(formulas: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"formula": formulas, "source_row": range(len(formulas))})


def _normalize(frame: pd.DataFrame, max_chars: int = 100, images: LatexImages = RENDER,
               source: SourceParams = SOURCE) -> tuple[pd.DataFrame, pd.DataFrame]:
    return latex_ocr.normalize_formulas(frame, RenderConfig(max_chars=max_chars), images, source)


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("x^{2}\\label{eq:1}", "x ^ 2"),  # \label dropped, single-unit braces removed
        ("a \\, + \\quad b", "a + b"),  # spacing commands collapsed
        ("{a\\over b}", "{ a \\over b }"),  # physics-style \over kept, one tokenisation
        # an align* wrapper around one line: the line, & dropped
        ("\\begin{align*} x &= 1 \\end{align*}", "x = 1"),
        # two aligned lines: aligned, which typesets inside display math
        ("\\begin{align*} x &= 1 \\\\ y &= 2 \\end{align*}",
         "\\begin{aligned} x & = 1 \\\\ y & = 2 \\end{aligned}"),
        # equation with a label, inside \[ \]
        ("\\[\\begin{equation} a+b \\label{e} \\end{equation}\\]", "a + b"),
        # alignat's column count goes with the wrapper
        ("\\begin{alignat}{2} a &= b \\end{alignat}", "a = b"),
        # an inner environment is the formula itself: kept
        ("\\begin{pmatrix} 1 \\end{pmatrix}", "\\begin{pmatrix} 1 \\end{pmatrix}"),
    ],
)
def test_normalisation(formula: str, expected: str) -> None:
    valid, rejects = _normalize(_frame([formula]))
    assert rejects.empty and valid.loc[0, "formula"] == expected
    # gold and prediction compare in the same form: the gold is a fixed point of both
    assert normalize_latex(expected) == expected


def test_normalisation_is_recorded_in_the_row() -> None:
    valid, _ = _normalize(_frame(["\\begin{align*} x &= \\dfrac{1}{2} \\label{a} \\end{align*}"]))
    assert valid.loc[0, "normalization"] == ["unwrap align*", "drop braces", "drop \\dfrac",
                                             "drop \\label", "add \\frac"]


@pytest.mark.parametrize(
    ("formula", "reason"),
    [
        ("", "empty_formula"),  # empty cell
        ("   ", "empty_formula"),  # blanks only
        ("\\label{eq:x}\\,", "empty_after_normalize"),  # nothing left after normalising
        ("x" * 101, "formula_too_long"),  # over max_chars
    ],
)
def test_bad_formulas_are_rejected(formula: str, reason: str) -> None:
    valid, rejects = _normalize(_frame(["x", formula]))
    assert len(valid) == 1
    assert rejects[["row_id", "reason"]].values.tolist() == [["latex_ocr-1", reason]]


def test_prompt_asks_for_latex_tags() -> None:
    for style in ("instruct", "base", "direct"):
        prompt = latex_ocr.latex_prompt(style)  # type: ignore[arg-type]
        text = prompt if isinstance(prompt, str) else prompt[-1]["content"][1]["text"]
        assert "<latex> </latex>" in text


def test_dataset_images_are_cropped_to_the_formula() -> None:
    # an im2latex page: the crop holds all the ink, far smaller than the page
    page = formula_page("x + y = z", seed=4)
    rows = _frame(["x + y = z"]).assign(image=[{"bytes": encoded(page, "PNG"), "path": None}])
    valid, _ = _normalize(rows, images=LatexImages(use="dataset", margin=2))
    row = valid.iloc[0]
    assert row["render_text"] is None and row["source_image_mode"] == "L"
    assert row["image_width"] < page.width / 2 and row["image_height"] < page.height / 2
    ink = (rgb_pixels(row["image"]["bytes"])[..., 0] < 128).sum()
    assert ink == (np.asarray(page) < 128).sum()


def test_handwritten_images_kept_whole_without_crop() -> None:
    image = handwritten(3)
    rows = _frame(["\\frac{1}{x}"]).assign(image=[encoded(image, "PNG")])
    valid, _ = _normalize(rows, images=LatexImages(use="dataset", crop=False))
    assert np.array_equal(rgb_pixels(valid.loc[0, "image"]["bytes"]), np.asarray(image))


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (None, "missing_image"),  # no image in the row
        (b"garbage", "undecodable_image"),  # bytes that are no image
        (encoded(formula_page("", 1), "PNG"), "blank_image"),  # a page without ink
    ],
)
def test_bad_dataset_images_are_rejects(image: object, reason: str) -> None:
    rows = _frame(["x", "y"]).assign(image=[encoded(formula_page("x", 2), "PNG"), image])
    _, rejects = _normalize(rows, images=LatexImages(use="dataset"))
    assert rejects[["row_id", "reason"]].values.tolist() == [["latex_ocr-1", reason]]


def test_dataset_images_need_an_image_column() -> None:
    with pytest.raises(ValueError, match=r"latex_ocr\.source\.columns\.image"):
        _normalize(_frame(["x"]), images=LatexImages(use="dataset"))


def test_embedded_formulas_are_seeded_and_carry_labels() -> None:
    one = latex_ocr.generate_formula_frame(12, seed=1)
    assert one.equals(latex_ocr.generate_formula_frame(12, seed=1))
    assert one["formula"].str.contains("\\\\label").any()


@pytest.mark.shared_data
def test_im2latex_sample_normalises(shared_data: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "im2latex_formulas_train.jsonl").open()]
    frame = pd.DataFrame(rows).rename(columns={"formula_idx": "id"})
    valid, rejects = _normalize(frame.assign(source_row=range(len(rows))), max_chars=4000)
    assert len(valid) + len(rejects) == 1000
    assert set(rejects["reason"]) <= {"empty_formula"}
    assert len(valid) >= 990
    assert not valid["formula"].str.contains("\\\\label").any()
