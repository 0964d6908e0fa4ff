"""Hostile completions: no exception escapes, every sample returns within the bound."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathrl_pipeline.rewards import get_reward
from mathrl_pipeline.rewards.sandbox import get_executor

#: Bounded, not fast: the sandbox's per-call deadline (1.5 s) plus kill/IPC slack, with room for a
#: loaded CI machine. An unbounded parse of these inputs runs for minutes or never ends; the speed
#: of the rewards is measured by benchmarks/rewards.py, not here.
BOUND_S = 10.0
NAMES = [
    "accuracy",
    "math_accuracy",
    "format",
    "format_partial",
    "latex_format",
    "ocr_exact",
    "ocr_normalized",
    "ocr_sympy",
    "length_penalty",
    "soft_overlong",
    "repetition_penalty",
    "choice_accuracy",
]
REWARDS = {name: get_reward(name) for name in NAMES}

ADVERSARIAL = [
    "x" * 2_000_000,  # huge string
    "{" * 100_000,  # deeply nested braces, unclosed
    "<answer>" + "{" * 5000 + "}" * 5000 + "</answer>",  # deep but balanced
    "\\boxed{" * 1000,  # \boxed{ unclosed, repeated
    "<answer>" + "9" * 1_000_000 + "</answer>",  # 10^6 digits
    "<answer>" + "x^{" * 50 + "x" + "}" * 50 + "</answer>",  # exponent tower
    "<answer>10^{10^{10^{10}}}</answer>",  # huge value
    "<answer>9^{9^{9}}</answer>",  # huge value under the tower guard
    "<answer>(10^{100})!</answer>",  # huge factorial
    "<answer>\\sum_{n=1}^{10^{9}} n^{n}</answer>",  # huge sum
    "<answer>\x00\x01\x02\x1b[31m\x7f</answer>",  # control characters
    "<answer>٣ + 三 = Ⅶ ∑ ∫ ∞ 𝔸 מספר</answer>",  # mixed scripts
    "<think>" * 10_000 + "</answer>" * 10_000,  # tag floods
    "<answer>\\frac{\\frac{\\frac{1}{2}}{3}}{" + "\\sqrt{" * 30 + "2" + "}" * 31 + "</answer>",
    "<latex>" + "\\left(" * 3000 + "</latex>",  # OCR flood
    "<answer>" + "a b c " * 50_000 + "</answer>",  # long prose answer
]
SOLUTIONS = ["1/2", "x^{x}", "(B)", "yes", "\\frac{a}{b}"]


def _check_all(completion: object, solution: str) -> None:
    for name, reward in REWARDS.items():
        start = time.monotonic()
        out = reward([completion], solution=[solution], choices=[["a", "b"]])
        elapsed = time.monotonic() - start
        assert len(out) == 1 and (out[0] is None or isinstance(out[0], float)), name
        assert elapsed < BOUND_S, f"{name} took {elapsed:.2f}s"


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    get_executor().warm_up()  # worker start-up is not part of a sample's time


@pytest.mark.parametrize("completion", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
@pytest.mark.parametrize("solution", SOLUTIONS)
def test_adversarial_completions(completion: str, solution: str) -> None:
    # every case in ADVERSARIAL is commented where it is defined
    _check_all(completion, solution)


_pieces = st.sampled_from(
    [
        "<think>",
        "</think>",
        "<answer>",
        "</answer>",
        "<latex>",
        "</latex>",
        "\\boxed{",
        "{",
        "}",
        "^",
        "x",
        "9" * 50,
        "\\frac",
        "$",
        "\\(",
        "\\)",
        " or ",
        "(C)",
        "\n",
        "\x00",
        "\\left(",
        "=",
        "\\sqrt{",
        "10^{",
        "!",
        "∞",
        "三",
    ]
)
_completions = st.one_of(
    st.text(max_size=300),
    st.lists(_pieces, max_size=60).map("".join),
    st.lists(_pieces, max_size=20).map(
        lambda parts: [{"role": "assistant", "content": [{"type": "text", "text": "".join(parts)}]}]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(completion=_completions, solution=st.sampled_from(SOLUTIONS + ["", "\\frac{"]))
def test_random_completions_never_raise(completion: object, solution: str) -> None:
    # random text and random tag/LaTeX soup: no exception, bounded time (measured ourselves)
    _check_all(completion, solution)
