"""Registry, weights, names and picklability."""

from __future__ import annotations

import pickle

import pytest

from mathrl_pipeline.rewards import build_rewards, get_reward, reward_names

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
