"""Registry, weights, names and picklability."""

from __future__ import annotations

import pickle

import pytest

from mathrl_pipeline.rewards import build_rewards, get_reward, reward_names
from mathrl_pipeline.rewards.registry import start_sandbox_for, uses_sandbox

REQUIRED = [
    "format",
    "format_partial",
    "latex_format",
    "accuracy",
    "math_accuracy",
    "choice_accuracy",
    "ocr_exact",
    "ocr_normalized",
    "ocr_sympy",
    "length_penalty",
    "latex_length",
    "soft_overlong",
    "repetition_penalty",
]


@pytest.mark.parametrize("name", REQUIRED)
def test_every_default_name_builds_pickles_and_runs(name: str) -> None:
    # each reward has its registry name as __name__, survives pickling, returns one value/row
    func = get_reward(name)
    assert func.__name__ == name
    clone = pickle.loads(pickle.dumps(func))
    assert clone.__name__ == name
    out = clone(["<think>r</think><answer>1</answer>"], solution=["1"], unused_column=["x"])
    assert len(out) == 1 and (out[0] is None or isinstance(out[0], float))


def test_build_rewards_weights_and_kwargs() -> None:
    funcs, weights = build_rewards(
        [
            {"name": "accuracy", "weight": 1.0},
            {"name": "format", "weight": 0.5, "kwargs": {"think_prefilled": True}},
            "repetition_penalty",  # bare name: weight 1.0
        ]
    )
    assert [f.__name__ for f in funcs] == ["accuracy", "format", "repetition_penalty"]
    assert weights == [1.0, 0.5, 1.0]
    assert funcs[1](["r</think><answer>1</answer>"]) == [1.0]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([{"name": "acuracy"}], "unknown reward 'acuracy'"),  # typo names the bad name
        ([{"weight": 1.0}], "has no 'name'"),  # missing name
        ([{"name": "format", "wieght": 1}], "unknown keys"),  # typo in a key
        (["format", "format"], "listed twice"),  # duplicate names collide in TRL logs
    ],
)
def test_build_rewards_errors(specs: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_rewards(specs)


def test_unknown_name_lists_valid_ones() -> None:
    with pytest.raises(ValueError) as err:
        get_reward("nope")
    assert all(name in str(err.value) for name in reward_names())


@pytest.mark.parametrize(
    ("row", "completion", "expected"),
    [
        ({"answer_type": "math", "solution": "1/2"}, "<answer>0.5</answer>", 1.0),
        ({"answer_type": "number", "solution": "3"}, "<answer>x=3</answer>", 1.0),
        ({"answer_type": "text", "solution": "yes"}, "<answer>Yes</answer>", 1.0),
        ({"answer_type": "latex", "solution": "a+b"}, "<latex>a + b</latex>", 1.0),
        (
            {"answer_type": "multiple_choice", "solution": "(B)", "choices": ["x", "y"]},
            "<answer>B</answer>",
            1.0,
        ),
        ({"solution": "(B)", "choices": ["x", "y"]}, "<answer>A or B</answer>", 0.0),  # MC hedge
        ({"answer_type": "number", "solution": "2"}, "<answer>2.0</answer>", 1.0),
        ({"answer_type": "text", "solution": "left"}, "<answer>Left</answer>", 1.0),
        ({"answer_type": "multiple_choice", "solution": "(B)"}, "<answer>B</answer>", 1.0),
        # latex: the <latex> tag, compared exactly up to whitespace (OCR exact)
        ({"answer_type": "latex", "solution": r"\frac{a}{b}"}, r"<latex>\frac {a} {b}</latex>", 1),
        ({"answer_type": "latex", "solution": "<answer>a+b</answer>"}, "<latex>a+b</latex>", 1.0),
        ({"answer_type": "latex", "solution": "a+b"}, "<answer>a+b</answer>", 0.0),  # no latex tag
        ({"answer_type": "math", "solution": "1"}, "<answer>2</answer>", 0.0),  # wrong
        ({"answer_type": "", "solution": "1", "choices": []}, "<answer>1</answer>", 1.0),  # math
    ],
)
def test_accuracy_routes_on_answer_type(row: dict, completion: str, expected: float) -> None:
    columns = {k: [v] for k, v in row.items()}
    assert get_reward("accuracy")([completion], **columns) == [expected]


def test_accuracy_rejects_an_unknown_answer_type() -> None:
    with pytest.raises(ValueError, match="unknown answer_type 'essay'; valid: math"):
        get_reward("accuracy")(["<answer>1</answer>"], solution=["1"], answer_type=["essay"])


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        (["format", "length_penalty"], False),  # rule-based text checks: no worker needed
        (["latex_format", "ocr_exact", "latex_length"], False),  # string OCR rewards
        (["format", "accuracy"], True),  # accuracy routes math rows to Math-Verify
        (["math_accuracy"], True),  # Math-Verify
        (["ocr_sympy"], True),  # sympy equivalence of LaTeX
        (["choice_accuracy", "repetition_penalty"], False),  # letters and n-grams
    ],
)
def test_uses_sandbox(specs: list, expected: bool) -> None:
    assert uses_sandbox(specs) is expected


def test_the_sandbox_starts_only_for_rewards_that_use_it() -> None:
    from mathrl_pipeline.rewards.sandbox import SandboxSettings, configure, pool

    settings = SandboxSettings(workers=1, timeout_s=7.0)  # differs from the defaults: a new pool
    try:
        assert start_sandbox_for(["format"], settings) is False
        assert pool._settings == settings and pool._executor is None  # configured, no worker
        assert start_sandbox_for(["math_accuracy"], settings) is True
        idle = list(pool._executor._idle.queue)
        assert len(idle) == 1 and idle[0] is not None and idle[0].ready  # started and ready
    finally:
        configure(SandboxSettings())
