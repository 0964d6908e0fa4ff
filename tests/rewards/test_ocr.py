"""LaTeX OCR: normalisation, edit distance, ExpRate, rewards."""

from __future__ import annotations

import pytest

from mathrl_pipeline.rewards import (
    OCRReward,
    normalize_latex,
    ocr_metrics,
    sympy_match,
    token_edit_distance,
)
from tests.rewards.conftest import shared_rows


@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        (r"x^{2}", "x ^ 2"),  # braces around one token dropped
        (r"\frac{a}{b}", r"\frac a b"),  # same for arguments
        (r"{{a+b}}", "{ a + b }"),  # double braces collapse to one group
        (r"\left( x \right)", "( x )"),  # \left/\right dropped, delimiters kept
        (r"\left. x \right|", "x |"),  # \left. is no delimiter
        (r"a \, b \quad c ~ d", "a b c d"),  # spacing commands
        (r"E = mc^2 \label{eq:1}", "E = m c ^ 2"),  # \label removed with its argument
        (r"\dfrac12", r"\frac 1 2"),  # aliases
        (r"a \le b", r"a \leq b"),  # aliases
        (r"\begin {pmatrix} a \end{pmatrix}", r"\begin{pmatrix} a \end{pmatrix}"),  # env names
        (r"$x$", "x"),  # outer delimiters
        (r"\begin{equation} x = 1 \end{equation}", "x = 1"),  # outer equation unwrapped
        (r"\begin{align*} a &= b \end{align*}", "a = b"),  # one aligned line: its body
        (r"\begin{align*} a &= b \\ c &= d \end{align*}",  # several lines: `aligned`
         r"\begin{aligned} a & = b \\ c & = d \end{aligned}"),
        ("{x", "{ x"),  # unbalanced braces kept as they are
    ],
)
def test_normalize_latex(formula: str, expected: str) -> None:
    assert normalize_latex(formula) == expected


@pytest.mark.parametrize(
    ("a", "b", "limit", "expected"),
    [
        ("x^{2}+1", "x^2+1", None, 0),  # equal after normalisation
        ("x^2+1", "x^2+2", None, 1),  # one substitution
        ("a b c", "a c", None, 1),  # one deletion
        ("a b c d e", "v w x y z", 2, 3),  # banded: anything above the limit is limit + 1
        ("", "a b", None, 2),  # empty side
    ],
)
def test_token_edit_distance(a: str, b: str, limit: int | None, expected: int) -> None:
    assert token_edit_distance(a, b, max_distance=limit) == expected


def test_ocr_metrics() -> None:
    # ExpRate thresholds from a 1-token error
    m = ocr_metrics(r"\frac{a}{b}", r"\frac{a}{c}")
    assert (m["exprate"], m["exprate_le1"], m["exprate_le2"], m["edit_distance"]) == (
        0.0,
        1.0,
        1.0,
        1.0,
    )


@pytest.mark.parametrize(
    ("mode", "gold", "completion", "expected"),
    [
        ("exact", "a+b", "<latex>a + b</latex>", 1.0),  # whitespace-only difference
        ("exact", "x^{2}", "<latex>x^2</latex>", 0.0),  # strict: braces differ
        ("normalized", "x^{2}", "<latex>x^2</latex>", 1.0),  # normalised tokens equal
        ("normalized", r"\frac{a}{b}\label{x}", r"<latex>\dfrac ab</latex>", 1.0),
        # a gold from an align* set (unwrapped) and a prediction that keeps the wrapper
        ("normalized", "a = b", r"<latex>\begin{align*} a &= b \end{align*}</latex>", 1.0),
        ("sympy", "x^2-1", "<latex>(x-1)(x+1)</latex>", 1.0),  # symbolic equivalence
        ("sympy", "x^2-1", "<latex>(x-1)^2</latex>", 0.0),  # not equivalent
        ("edit", "a+b+c", "<latex>a+b+d</latex>", 0.8),  # 1 - 1/5
        ("exact", "a", "no tag", 0.0),  # nothing extracted
        ("exact", "", "<latex>a</latex>", None),  # empty gold skipped
    ],
)
def test_ocr_rewards(mode: str, gold: str, completion: str, expected: float | None) -> None:
    out = OCRReward(mode=mode)([completion], solution=[gold])[0]
    assert out == pytest.approx(expected) if expected is not None else out is None


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        # a gold sympy cannot parse: the row is skipped (None), never paid
        (r"\frac{", "x", None),
        # ... unless the transcription is exactly the gold (normalised match short-circuits)
        (r"\frac{", r"\frac{", True),
        # an empty gold is skipped too
        ("   ", "x", None),
    ],
)
def test_sympy_match_unparseable_gold(gold: str, pred: str, expected: bool | None) -> None:
    assert sympy_match(gold, pred) is expected


@pytest.mark.shared_data
def test_normalize_latex_on_im2latex_is_idempotent_and_drops_labels() -> None:
    # the data pipeline normalises gold formulas with this: deterministic and stable
    for row in shared_rows("im2latex_formulas_train.jsonl"):
        once = normalize_latex(row["formula"])
        assert "\\label" not in once
        assert normalize_latex(once) == once
