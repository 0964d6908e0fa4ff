"""Cheap pre-screens run before any sympy work (in the calling process, linear time).

They reject inputs that are never legitimate short answers but can make sympy hang or eat
memory: very long strings, deep brace nesting, huge digit runs, towers of exponents.
"""

from __future__ import annotations

import re

MAX_ANSWER_CHARS = 8_000
MAX_GOLD_CHARS = 20_000
MAX_BRACE_DEPTH = 24
MAX_DIGIT_RUN = 200
MAX_POWER_NESTING = 3

_DIGIT_RUN = re.compile(rf"\d{{{MAX_DIGIT_RUN + 1},}}")


def brace_depth(text: str) -> int:
    """Maximum nesting depth of ``{``/``(``/``[`` groups (unbalanced closers ignored)."""
    depth = best = 0
    for ch in text:
        if ch in "{([":
            depth += 1
            best = max(best, depth)
        elif ch in "})]" and depth:
            depth -= 1
    return best


def power_nesting(text: str) -> int:
    """Depth of exponent towers: ``x^{x^{x}}`` -> 3, ``2^3`` -> 1."""
    best = 0
    stack: list[bool] = []  # True where the group is an exponent
    pending_power = False
    for ch in text:
        if ch == "^":
            pending_power = True
            best = max(best, sum(stack) + 1)
            continue
        if ch == "{":
            stack.append(pending_power)
        elif ch == "}" and stack:
            stack.pop()
        pending_power = False
    return best


def screen_reason(text: str, max_chars: int = MAX_ANSWER_CHARS) -> str | None:
    """Why ``text`` must not reach sympy, or ``None`` when it may."""
    if len(text) > max_chars:
        return f"longer than {max_chars} chars"
    if _DIGIT_RUN.search(text):
        return f"digit run longer than {MAX_DIGIT_RUN}"
    if brace_depth(text) > MAX_BRACE_DEPTH:
        return f"bracket nesting deeper than {MAX_BRACE_DEPTH}"
    if power_nesting(text) > MAX_POWER_NESTING:
        return f"exponent tower deeper than {MAX_POWER_NESTING}"
    return None
