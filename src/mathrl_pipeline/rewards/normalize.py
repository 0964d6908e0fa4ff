"""Normalised-string comparison for non-math answers (yes/no, true/false, words)."""

from __future__ import annotations

import re
import unicodedata

from mathrl_pipeline.rewards.extract import clean_control, extract_tag, strip_math_delimiters

_TEXT_WRAPPERS = re.compile(
    r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}"
)
_WORDS = re.compile(r"^[^\W\d_]+(?:[\s\-'][^\W\d_]+)*$", re.UNICODE)
_MATH_WORDS = frozenset(
    {
        "pi",
        "e",
        "i",
        "inf",
        "infty",
        "infinity",
        "sin",
        "cos",
        "tan",
        "cot",
        "sec",
        "csc",
        "log",
        "ln",
        "exp",
        "sqrt",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "tanh",
        "max",
        "min",
        "det",
        "gcd",
        "lcm",
        "mod",
    }
)
_SHORT_WORDS = frozenset({"no", "ok", "up", "on", "in", "off", "t", "f"})
_ARTICLES = re.compile(r"^(?:the|a|an)\s+")


def normalize_text_answer(text: str) -> str:
    """Lower-case, unwrap ``$..$`` and ``\\text{..}``, drop end punctuation, collapse spaces."""
    s = unicodedata.normalize("NFKC", clean_control(text))
    s = strip_math_delimiters(s)
    for _ in range(3):
        s, n = _TEXT_WRAPPERS.subn(r"\1", s)
        if not n:
            break
    s = s.replace("\\ ", " ").replace("~", " ")
    s = " ".join(s.split()).lower()
    s = s.strip(" .,;:!?\"'`*")
    s = _ARTICLES.sub("", s)
    return s


def is_text_answer(gold: str) -> bool:
    """True when ``gold`` is words (``yes``, ``left``, ``not enough information``), not math."""
    s = normalize_text_answer(gold)
    if not s or not _WORDS.match(s):
        return False
    words = re.split(r"[\s\-']+", s)
    if all(w in _MATH_WORDS for w in words):
        return False
    return any(len(w) >= 3 for w in words) or s in _SHORT_WORDS


def text_answers_match(gold: str, pred: str) -> bool:
    """Normalised-string equality (empty never matches)."""
    g = normalize_text_answer(gold)
    return bool(g) and g == normalize_text_answer(pred)


def gold_answer(gold: object) -> str:
    """Gold column value as text; ``<answer>X</answer>`` golds (VisualThinker) are unwrapped."""
    if gold is None:
        return ""
    text = gold if isinstance(gold, str) else str(gold)
    tagged = extract_tag(text, "answer")
    return (tagged if tagged is not None else text).strip()
