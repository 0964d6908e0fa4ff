"""The operations a sandbox worker runs: unbounded sympy / Math-Verify work (see ``pool.py``).

Nothing here has a time bound of its own: Math-Verify is called with ``parsing_timeout=None``
and ``timeout_seconds=None`` (its signal.alarm timeouts only work on the main thread); the
caller imposes the wall-clock bound by running these functions in a killable worker process.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

_MATH_MARKERS = ("$", "\\(", "\\[", "\\boxed", "\\fbox")
_PROSE = re.compile(r"[^\W\d_]{3,}\s+[^\W\d_]{3,}", re.UNICODE)
_LATEX_CMD = re.compile(r"\\[A-Za-z]+")


DEFAULT_EXTRACTION = ("latex", "expr")


@lru_cache(maxsize=8)
def _configs(extraction: tuple[str, ...] = DEFAULT_EXTRACTION) -> list[Any]:
    from math_verify import ExprExtractionConfig, LatexExtractionConfig

    cfgs: list[Any] = []
    if "latex" in extraction:
        cfgs.append(LatexExtractionConfig(boxed_match_priority=0))
    if "expr" in extraction:
        cfgs.append(ExprExtractionConfig())
    if not cfgs:
        raise ValueError(f"extraction must name 'latex' and/or 'expr', got {extraction!r}")
    return cfgs


def looks_like_prose(text: str) -> bool:
    """Two consecutive words of 3+ letters outside LaTeX commands: a sentence, not a formula."""
    return bool(_PROSE.search(_LATEX_CMD.sub(" ", text)))


def _parse(text: str, extraction: tuple[str, ...] = DEFAULT_EXTRACTION) -> list[Any]:
    from math_verify import parse

    both = _configs(extraction)
    if any(marker in text for marker in _MATH_MARKERS) or looks_like_prose(text):
        return parse(text, both, parsing_timeout=None)
    # A bare answer such as ``x = 3``, ``(1, 2]`` or ``\{1,2\}``: Math-Verify's LaTeX
    # extraction needs delimiters, and the bare expression extractor would keep only the
    # last number, so wrap it first and fall back to the raw text.
    parsed = parse(f"${text}$", both, parsing_timeout=None)
    return parsed or parse(text, both, parsing_timeout=None)


@lru_cache(maxsize=4096)
def parse_gold(gold: str, extraction: tuple[str, ...] = DEFAULT_EXTRACTION) -> tuple[Any, ...]:
    """Math-Verify parse of a gold answer, cached (gold is parsed once per worker)."""
    return tuple(_parse(gold, extraction))


def gold_parses(gold: str, extraction: tuple[str, ...] = DEFAULT_EXTRACTION) -> bool:
    """At least one sympy object came out (a bare string fallback does not count)."""
    return any(not isinstance(x, str) for x in parse_gold(gold, extraction))


def match_math(
    gold: str,
    pred: str,
    extraction: tuple[str, ...] = DEFAULT_EXTRACTION,
    float_rounding: int = 6,
    strict: bool = True,
) -> bool | None:
    """``verify(gold, pred)`` in Math-Verify's documented order. ``None``: gold unparseable."""
    from math_verify import verify

    if not gold_parses(gold, extraction):
        return None
    pred_parsed = _parse(pred, extraction)
    if not pred_parsed:
        return False
    return bool(
        verify(
            list(parse_gold(gold, extraction)),
            pred_parsed,
            float_rounding=float_rounding,
            strict=strict,
            timeout_seconds=None,
        )
    )


@lru_cache(maxsize=4096)
def _latex_to_sympy(latex: str) -> Any:
    from latex2sympy2_extended import latex2sympy

    return latex2sympy(latex)


def latex_sympy_equal(gold_latex: str, pred_latex: str) -> bool | None:
    """Symbolic equivalence of two LaTeX formulas (``None`` when the gold does not parse).

    Uses ``latex2sympy2_extended`` (the ANTLR LaTeX parser Math-Verify ships, a maintained
    fork of ``sympy.parsing.latex.parse_latex``), then ``simplify(gold - pred) == 0`` or
    structural equality for non-numeric objects.
    """
    import sympy

    try:
        gold_expr = _latex_to_sympy(gold_latex)
    except Exception:  # noqa: BLE001
        return None
    try:
        pred_expr = _latex_to_sympy(pred_latex)
    except Exception:  # noqa: BLE001
        return False
    if gold_expr == pred_expr:
        return True
    try:
        if isinstance(gold_expr, sympy.Expr) and isinstance(pred_expr, sympy.Expr):
            return bool(sympy.simplify(gold_expr - pred_expr) == 0)
        if isinstance(gold_expr, sympy.Equality) and isinstance(pred_expr, sympy.Equality):
            lhs = sympy.simplify((gold_expr.lhs - gold_expr.rhs) - (pred_expr.lhs - pred_expr.rhs))
            return bool(lhs == 0)
    except Exception:  # noqa: BLE001
        return False
    return False


OPS = {
    "match_math": match_math,
    "gold_parses": gold_parses,
    "latex_sympy_equal": latex_sympy_equal,
    "ping": lambda: "pong",
    "sleep": lambda seconds: __import__("time").sleep(seconds),  # tests of the bound
}


def warm_up() -> None:
    """Import sympy, Math-Verify and the LaTeX parser and parse once, so that no call's deadline
    pays for imports (seconds on a busy machine)."""
    latex_sympy_equal("x+1", "1+x")
    match_math("1", "1")


def run_op(op: str, args: tuple[Any, ...]) -> Any:
    """Run operation ``op`` of :data:`OPS` with ``args`` (in the worker, or inline)."""
    return OPS[op](*args)
