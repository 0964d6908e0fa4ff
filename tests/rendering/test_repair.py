"""Repair pass: benign breakage fixed, and recorded."""

from __future__ import annotations

import pytest

from mathrl_pipeline.rendering.repair import repair


@pytest.mark.parametrize(
    ("text", "mode", "expected_fragment", "repair_name"),
    [
        # align* nested in \[..\] is a display inside a display
        (
            "Solve \\[\n\\begin{align*}\na&=b\\\\\nc&=d\n\\end{align*}\n\\] now",
            "text",
            "Solve \\begin{align*}",
            "display_env_in_display_math",
        ),
        # the same nested in $$..$$
        (
            "$$\\begin{gather}x\\end{gather}$$",
            "text",
            "\\begin{gather}x",
            "display_env_in_display_math",
        ),
        # Unicode math symbols in prose
        ("if x ≤ y and a ∧ b", "text", "\\ensuremath{\\leq}", "unicode:∧≤"),
        # Unicode minus
        ("value −3", "text", "\\ensuremath{-}3", "unicode:−"),
        # JSON double escape of a macro
        ("over $\\\\mathbb{C}$", "text", "$\\mathbb{C}$", "double_escaped_macro"),
        # JSON double escape of a closing delimiter
        ("\\(x\\\\)", "text", "\\(x\\)", "double_escaped_macro"),
        # a percent sign in prose would comment out the rest of the line
        ("reduces by 20%. How long", "text", "20\\%. How", "escape_percent"),
        # a hash outside a macro definition
        ("item #3", "text", "item \\#3", "escape_hash"),
        # an ampersand in prose, not in an alignment
        ("A & B", "text", "A \\& B", "escape_ampersand"),
        # a script argument that is a macro with arguments
        ("$\\int^\\sqrt{x}_1 f$", "text", "^{\\sqrt{x}}", "brace_script_argument"),
        # a superscript typed in prose
        ("probabilities 1/2^n each", "text", "1/2\\textasciicircum{}n", "escape_prose_script"),
        # options on their own lines
        ("Options:\n- $0$\n- $1$", "text", "$0$\\par\n- $1$", "list_line_breaks"),
        # \label in a bare formula (im2latex)
        ("x=1 \\label{eq:1}", "display", "x=1 ", "strip_label"),
        # align* in a bare formula becomes aligned
        (
            "\\begin{align*}a&=b\\end{align*}",
            "display",
            "\\begin{aligned}",
            "display_env_to_aligned",
        ),
    ],
)
def test_repairs(text: str, mode: str, expected_fragment: str, repair_name: str) -> None:
    fixed, repairs = repair(text, mode)
    assert expected_fragment in fixed
    assert repair_name in repairs


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("Evaluate $\\lim_{x\\to 0} \\frac{\\sin x}{x}$.", "text"),  # ordinary question
        ("\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}", "display"),  # matrix
        ("$A = \\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$ and 5\\%", "text"),  # & in env
        ("Line \\\\ break then a\\_b", "text"),  # legit line break and escaped underscore
    ],
)
def test_clean_text_is_left_alone(text: str, mode: str) -> None:
    assert repair(text, mode) == (text, ())
