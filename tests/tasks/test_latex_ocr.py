"""LaTeX OCR rows: normalisation with rejects, prompts, the embedded formula generator."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mathrl_pipeline.tasks import latex_ocr


def _frame(formulas: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"formula": formulas, "source_row": range(len(formulas))})


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("x^{2}\\label{eq:1}", "x ^ 2"),  # \label dropped, single-unit braces removed
        ("a \\, + \\quad b", "a + b"),  # spacing commands collapsed
        ("{a\\over b}", "{ a \\over b }"),  # physics-style \over kept, one tokenisation
    ],
)
def test_normalisation(formula: str, expected: str) -> None:
    valid, rejects = latex_ocr.normalize_formulas(_frame([formula]), max_chars=100)
    assert rejects.empty and valid.loc[0, "formula"] == expected


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
    valid, rejects = latex_ocr.normalize_formulas(_frame(["x", formula]), max_chars=100)
    assert len(valid) == 1
    assert rejects[["row_id", "reason"]].values.tolist() == [["latex_ocr-1", reason]]


def test_prompt_asks_for_latex_tags() -> None:
    for style in ("instruct", "base", "direct"):
        prompt = latex_ocr.latex_prompt(style)  # type: ignore[arg-type]
        text = prompt if isinstance(prompt, str) else prompt[-1]["content"][1]["text"]
        assert "<latex> </latex>" in text


def test_embedded_formulas_are_seeded_and_carry_labels() -> None:
    one = latex_ocr.generate_formula_frame(12, seed=1)
    assert one.equals(latex_ocr.generate_formula_frame(12, seed=1))
    assert one["formula"].str.contains("\\\\label").any()


@pytest.mark.shared_data
def test_im2latex_sample_normalises(shared_data: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "im2latex_formulas_train.jsonl").open()]
    frame = pd.DataFrame(rows).rename(columns={"formula_idx": "id"})
    valid, rejects = latex_ocr.normalize_formulas(frame.assign(source_row=range(len(rows))),
                                                  max_chars=4000)
    assert len(valid) + len(rejects) == 1000
    assert set(rejects["reason"]) <= {"empty_formula"}
    assert len(valid) >= 990
    assert not valid["formula"].str.contains("\\\\label").any()
