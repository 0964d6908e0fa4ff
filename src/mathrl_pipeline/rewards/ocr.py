"""LaTeX OCR: im2latex-style normalisation, token edit distance, ExpRate, OCR rewards."""

from __future__ import annotations

import logging
import re
from typing import Any

from mathrl_pipeline.contract import completion_text
from mathrl_pipeline.rewards.columns import column
from mathrl_pipeline.rewards.extract import clean_control, extract_answer, strip_math_delimiters
from mathrl_pipeline.rewards.guards import screen_reason
from mathrl_pipeline.rewards.normalize import gold_answer
from mathrl_pipeline.rewards.sandbox import BoundedTimeout, WorkerError, bounded_call

logger = logging.getLogger(__name__)

MAX_LATEX_CHARS = 20_000
MAX_EDIT_CELLS = 4_000_000

_TOKEN = re.compile(r"\\(?:begin|end)\s*\{[^{}]{0,40}\}|\\[A-Za-z]+\*?|\\.|[^\s\\]|\\$", re.DOTALL)
_SPACING = frozenset(
    {
        "\\,",
        "\\;",
        "\\:",
        "\\!",
        "\\ ",
        "\\quad",
        "\\qquad",
        "~",
        "\\enspace",
        "\\thinspace",
        "\\medspace",
        "\\thickspace",
        "\\negthinspace",
        "\\displaystyle",
        "\\textstyle",
        "\\scriptstyle",
        "\\scriptscriptstyle",
        "\\nonumber",
        "\\notag",
        "\\limits",
        "\\nolimits",
    }
)
_DROP_WITH_ARG = frozenset({"\\label", "\\hspace", "\\vspace", "\\hspace*", "\\vspace*", "\\tag"})
_SIZING = frozenset(
    {
        "\\left",
        "\\right",
        "\\big",
        "\\Big",
        "\\bigg",
        "\\Bigg",
        "\\bigl",
        "\\bigr",
        "\\Bigl",
        "\\Bigr",
        "\\biggl",
        "\\biggr",
        "\\Biggl",
        "\\Biggr",
        "\\middle",
    }
)
_ALIASES = {
    "\\dfrac": "\\frac",
    "\\tfrac": "\\frac",
    "\\cfrac": "\\frac",
    "\\lbrace": "\\{",
    "\\rbrace": "\\}",
    "\\le": "\\leq",
    "\\ge": "\\geq",
    "\\ne": "\\neq",
    "\\to": "\\rightarrow",
    "\\gets": "\\leftarrow",
    "\\lbrack": "[",
    "\\rbrack": "]",
    "\\vert": "|",
    "\\lvert": "|",
    "\\rvert": "|",
    "\\Vert": "\\|",
    "\\lVert": "\\|",
    "\\rVert": "\\|",
    "\\land": "\\wedge",
    "\\lor": "\\vee",
    "\\lnot": "\\neg",
    "\\dots": "\\ldots",
    "\\dotsc": "\\ldots",
}


def tokenize_latex(formula: str) -> list[str]:
    """Split LaTeX into tokens: ``\\command``, ``\\x`` escapes, single characters."""
    return _TOKEN.findall(clean_control(formula))


def _skip_group(tokens: list[str], i: int) -> int:
    """Index after the braced group starting at ``tokens[i]`` (or after one token)."""
    if i >= len(tokens):
        return i
    if tokens[i] != "{":
        return i + 1
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j] == "{":
            depth += 1
        elif tokens[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


_ENVIRONMENT = re.compile(
    r"^\\begin\{(?P<env>[A-Za-z]+\*?)\}(?:\{[^{}]*\})?(?P<body>.*)\\end\{(?P=env)\}$",
    re.DOTALL)
# outer environment -> "" (its body) or the inner environment that typesets in display math
_ENV_TARGETS: dict[str, str] = {
    "equation": "", "displaymath": "", "math": "",
    "align": "aligned", "eqnarray": "aligned", "flalign": "aligned", "alignat": "aligned",
    "split": "aligned", "gather": "gathered", "multline": "gathered",
}


def unwrap_environment(formula: str) -> tuple[str, str | None]:
    """A formula without its outer display environment (``equation``, ``align*``, ...), and the
    environment's name (None when there is none).

    ``equation`` / ``displaymath`` give their body; alignment environments become ``aligned``
    (and ``gather`` / ``multline`` ``gathered``), which typeset inside display math, or their
    body with the ``&`` dropped when they hold one line.
    """
    text = strip_math_delimiters(formula.strip())
    match = _ENVIRONMENT.match(text)
    if not match:
        return formula, None
    env, body = match.group("env"), match.group("body").strip()
    target = _ENV_TARGETS.get(env.rstrip("*"))
    if target is None:
        return formula, None
    if target == "":
        inner, _ = unwrap_environment(body)
        return inner, env
    if "\\\\" not in body:
        return body.replace("&", " "), env
    return f"\\begin{{{target}}} {body} \\end{{{target}}}", env


def normalize_latex_tokens(formula: str) -> list[str]:
    """Token list of :func:`normalize_latex`."""
    if len(formula) > MAX_LATEX_CHARS:
        formula = formula[:MAX_LATEX_CHARS]
    formula = unwrap_environment(formula)[0]
    raw = tokenize_latex(strip_math_delimiters(formula))
    tokens: list[str] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        if tok in _DROP_WITH_ARG:
            i = _skip_group(raw, i + 1)
            continue
        if tok in _SPACING:
            i += 1
            continue
        if tok in _SIZING:
            # keep the delimiter, drop the size command; "\left." is no delimiter at all
            if i + 1 < len(raw) and raw[i + 1] == ".":
                i += 2
            else:
                i += 1
            continue
        if tok.startswith(("\\begin", "\\end")):
            tok = re.sub(r"\s+", "", tok)
        tokens.append(_ALIASES.get(tok, tok))
        i += 1
    return _drop_redundant_braces(tokens)


def _drop_redundant_braces(tokens: list[str]) -> list[str]:
    """Remove braces around exactly one unit (``{x}`` -> ``x``, ``{{a+b}}`` -> ``{a+b}``).

    Single pass with a stack: O(n). Unbalanced braces are kept as they are.
    """
    keep = [True] * len(tokens)
    stack: list[list[int]] = []  # [open index, units inside]
    prev_cmd_takes_group = False
    for idx, tok in enumerate(tokens):
        if tok == "{":
            # \begin{env} / \end{env} / \operatorname{..}: braces belong to the command name
            stack.append([idx, 0, int(prev_cmd_takes_group)])
        elif tok == "}" and stack:
            start, units, protected = stack.pop()
            if units == 1 and not protected:
                keep[start] = keep[idx] = False
            if stack:
                stack[-1][1] += 1
        elif stack:
            stack[-1][1] += 1
        prev_cmd_takes_group = tok in (
            "\\begin",
            "\\end",
            "\\operatorname",
            "\\text",
            "\\mathrm",
            "\\mathbf",
            "\\mathit",
            "\\mathcal",
        )
    return [t for t, k in zip(tokens, keep, strict=True) if k]


def normalize_latex(formula: str) -> str:
    """im2latex-style normalisation, tokens joined by one space. Deterministic, O(n).

    Unwraps an outer display environment (:func:`unwrap_environment`); drops ``\\label{..}``,
    ``\\tag{..}``, ``\\hspace{..}``, spacing commands (``\\,``, ``\\quad``, ``~``...),
    ``\\displaystyle``, ``\\left``/``\\right``/``\\big`` sizing (keeps the delimiter); maps
    aliases (``\\dfrac`` -> ``\\frac``, ``\\le`` -> ``\\leq``...); removes braces around a single
    unit and outer ``$``/``\\(..\\)`` delimiters. Input beyond 20 000 characters is truncated.
    """
    return " ".join(normalize_latex_tokens(formula))


def normalize_whitespace(formula: str) -> str:
    """Strict comparison form: delimiters stripped, all whitespace removed."""
    return "".join(strip_math_delimiters(clean_control(formula)).split())


def token_edit_distance(
    a: str | list[str], b: str | list[str], max_distance: int | None = None
) -> int:
    """Levenshtein distance between normalised token sequences.

    Strings are normalised with :func:`normalize_latex_tokens`. With ``max_distance`` the
    computation is banded (O(n * max_distance)) and any distance above it returns
    ``max_distance + 1``; without it the band is as wide as the cell budget
    (4 000 000 cells) allows, so very long dissimilar inputs return a capped value.
    """
    ta = normalize_latex_tokens(a) if isinstance(a, str) else list(a)
    tb = normalize_latex_tokens(b) if isinstance(b, str) else list(b)
    n, m = len(ta), len(tb)
    if n < m:
        ta, tb, n, m = tb, ta, m, n
    if m == 0:
        return n if max_distance is None else min(n, max_distance + 1)
    band = n if max_distance is None else max_distance
    band = max(1, min(band, MAX_EDIT_CELLS // max(n, 1)))
    if n - m > band:
        return band + 1
    inf = band + 1
    prev = [j if j <= band else inf for j in range(m + 1)]
    for i in range(1, n + 1):
        lo = max(1, i - band)
        hi = min(m, i + band)
        cur = [inf] * (m + 1)
        cur[0] = i if i <= band else inf
        ai = ta[i - 1]
        for j in range(lo, hi + 1):
            cost = 0 if ai == tb[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        prev = cur
    return min(prev[m], inf)


def exact_match(gold: str, pred: str | None) -> bool:
    """Strict match: equal after removing delimiters and whitespace."""
    return (
        pred is not None
        and bool(gold.strip())
        and normalize_whitespace(gold) == (normalize_whitespace(pred))
    )


def normalized_match(gold: str, pred: str | None) -> bool:
    """Equal after :func:`normalize_latex`."""
    if pred is None:
        return False
    g = normalize_latex(gold)
    return bool(g) and g == normalize_latex(pred)


def sympy_match(gold: str, pred: str | None) -> bool | None:
    """Symbolic equivalence (``latex2sympy`` + ``simplify``) under the wall-clock bound.

    ``None`` when the gold cannot be parsed; exact normalised match short-circuits.
    """
    if not gold.strip() or screen_reason(gold, MAX_LATEX_CHARS):
        return None
    if pred is None or not pred.strip():
        return False
    if normalized_match(gold, pred):
        return True
    if screen_reason(pred, MAX_LATEX_CHARS):
        return False
    g = strip_math_delimiters(gold)
    p = strip_math_delimiters(pred)
    try:
        return bounded_call("latex_sympy_equal", g, p)
    except BoundedTimeout:
        logger.debug("sympy LaTeX equivalence timed out; scoring 0.0")
    except WorkerError as exc:
        logger.debug("sympy LaTeX equivalence failed: %s", exc)
    return False


def ocr_metrics(gold: str, pred: str | None) -> dict[str, float]:
    """Evaluation metrics for one formula: exact, normalised, edit distance, ExpRate <=1/<=2."""
    if pred is None:
        return {
            "exact": 0.0,
            "normalized": 0.0,
            "edit_distance": float("nan"),
            "exprate": 0.0,
            "exprate_le1": 0.0,
            "exprate_le2": 0.0,
        }
    dist = token_edit_distance(gold, pred)
    return {
        "exact": float(exact_match(gold, pred)),
        "normalized": float(normalized_match(gold, pred)),
        "edit_distance": float(dist),
        "exprate": float(dist == 0),
        "exprate_le1": float(dist <= 1),
        "exprate_le2": float(dist <= 2),
    }


class OCRReward:
    """LaTeX OCR reward: ``mode`` in ``exact`` | ``normalized`` | ``sympy`` | ``edit``.

    The prediction is read from ``<latex>...</latex>`` by default (``extract_mode``); the gold
    from the ``solution`` column. ``edit`` pays ``max(0, 1 - distance / len(gold tokens))``.
    """

    MODES = ("exact", "normalized", "sympy", "edit")

    def __init__(
        self, mode: str = "exact", extract_mode: str = "latex_tag", gold_column: str = "solution"
    ):
        if mode not in self.MODES:
            raise ValueError(f"unknown OCR reward mode {mode!r}; valid: {', '.join(self.MODES)}")
        self.mode = mode
        self.extract_mode = extract_mode
        self.gold_column = gold_column
        self.__name__ = f"ocr_{mode}"
        self.uses_sandbox = mode == "sympy"  # sympy equivalence runs in the sandbox's workers

    def _score(self, gold: str, pred: str | None) -> float | None:
        if not gold.strip():
            return None
        if self.mode == "exact":
            return float(exact_match(gold, pred))
        if self.mode == "normalized":
            return float(normalized_match(gold, pred))
        if self.mode == "sympy":
            verdict = sympy_match(gold, pred)
            return None if verdict is None else float(verdict)
        if pred is None:
            return 0.0
        n = len(normalize_latex_tokens(gold)) or 1
        return max(0.0, 1.0 - token_edit_distance(gold, pred, max_distance=n) / n)

    def __call__(self, completions: list[Any], **kwargs: Any) -> list[float | None]:
        golds = column(kwargs, self.gold_column, len(completions))
        out: list[float | None] = []
        for completion, gold in zip(completions, golds, strict=True):
            pred = extract_answer(completion_text(completion), self.extract_mode)
            out.append(self._score(gold_answer(gold), pred))
        return out

    def __repr__(self) -> str:
        return f"OCRReward(mode={self.mode!r}, extract_mode={self.extract_mode!r})"
