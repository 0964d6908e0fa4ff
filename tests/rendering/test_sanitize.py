"""Refusal rules: what may never reach TeX, and what must still pass."""

from __future__ import annotations

import pytest

from mathrl_pipeline.rendering.sanitize import check_raw, refusal_reason


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (r"\input{x}", r"\input"),  # file read
        (r"\immediate\write18{ls}", r"\immediate"),  # shell escape
        (r"\pdffilesize{/etc/passwd}", r"\pdffilesize"),  # pdfTeX file primitive family
        (r"\begin{verbatim}x\end{verbatim}", "environment {verbatim}"),  # env not allowed
        (r"\begin x", r"\begin without"),  # malformed begin
        (r"\ifx a b", r"\ifx"),  # conditional
        ("x^^41", "^^"),  # caret notation
        ("a\x07b", "control character"),  # BEL
        ("emoji 😀", "unsupported character"),  # outside Latin letters
        ("{" * 101 + "}" * 101, "nesting"),  # too deep
        ("}{", "extra '}'"),  # unbalanced
    ],
)
def test_refused(text: str, fragment: str) -> None:
    reason = refusal_reason(text)
    assert reason is not None and fragment in reason


@pytest.mark.parametrize(
    "text",
    [
        r"$x \iff y$ and $\iint_D f$",  # \iff and \iint are not conditionals
        r"\\input is text after a line break",  # `\\` then letters
        r"Let $\mathbb{R}$, $\mathscr{F}$, $\Bbb Z$, $\bm{x}$",  # preamble macros
        r"\begin{cases} 1 & x>0 \\ 0 & \text{else} \end{cases}",  # allowed env
        "Schrödinger and Poincaré",  # Latin letters
        r"costs \$5 and 50\% off, \{a\}",  # escaped specials
    ],
)
def test_allowed(text: str) -> None:
    assert refusal_reason(text) is None


def test_length_checks() -> None:
    assert check_raw("x" * 11, 10) is not None
    assert check_raw("  \n", 10) == "empty input"
    assert check_raw("ok", 10) is None
    assert "^^" in (check_raw("x^^5cinput", 100) or "")
    assert "control" in (check_raw("a\x1bb", 100) or "")
