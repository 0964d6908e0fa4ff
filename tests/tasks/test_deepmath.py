"""DeepMath rows: generation, validation with rejects, filters, prompts (tasks/deepmath.py)."""

import numpy as np
import pandas as pd
import pydantic
import pytest

from mathrl_pipeline.tasks.deepmath import (
    DeepMathEmbedded,
    FilterParams,
    build_deepmath_rows,
    filter_deepmath,
    generate_deepmath,
    validate_deepmath,
)
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.ingest import SourceParams
from mathrl_pipeline.tasks.prompts import QWEN_IMAGE_PLACEHOLDER, R1_SYSTEM_PROMPT, PromptParams
from mathrl_pipeline.tasks.rejects import concat_rejects

SOURCE = SourceParams()


def _rows() -> pd.DataFrame:
    """Rows with the task's fields (after `deepmath.source.columns` mapped DeepMath's)."""
    return pd.DataFrame(
        {
            "question": ["What is $1+1$?", "", None, "Compute $\\int_0^1 x\\,dx$.", "Is 7 prime?"],
            "answer": ["2", "3", "4", None, "Yes"],
            "difficulty": [1.0, 2.0, 3.0, 4.0, np.nan],
            "topic": ["Mathematics -> Algebra", None, None, None, "Mathematics -> Number Theory"],
            "source_row": range(5),
        }
    )


def test_embedded_rows_have_deepmath_schema_and_broken_rows_on_request() -> None:
    raw = generate_deepmath(DeepMathEmbedded(count=12, seed=1, malformed_rows=2), SOURCE)
    assert {"question", "final_answer", "difficulty", "topic"} <= set(raw.columns)
    assert len(raw) == 14
    valid, rejects = validate_deepmath(raw.rename(columns={"final_answer": "answer"})
                                       .assign(source_row=range(14)), SOURCE)
    assert len(valid) == 12
    assert sorted(rejects["reason"]) == ["empty_question", "missing_answer"]


def test_validate_keeps_good_rows_and_records_each_bad_one() -> None:
    rows = _rows()
    before = rows.copy(deep=True)
    valid, rejects = validate_deepmath(rows, SOURCE)
    pd.testing.assert_frame_equal(rows, before)  # inputs are never mutated
    assert list(valid["id"]) == ["deepmath-0", "deepmath-4"]
    assert list(valid["answer_kind"]) == ["integer", "yes_no"]
    assert rejects[["row_id", "stage", "reason"]].values.tolist() == [
        ["deepmath-1", "validate", "empty_question"],
        ["deepmath-2", "validate", "empty_question"],
        ["deepmath-3", "validate", "missing_answer"],
    ]


def test_an_id_field_names_the_rows() -> None:
    valid, _ = validate_deepmath(_rows().assign(id=[f"q{i}" for i in range(5)]), SOURCE)
    assert list(valid["id"]) == ["deepmath-q0", "deepmath-q4"]


@pytest.mark.parametrize(
    ("filters", "kept_ids", "reason_part"),
    [
        ({}, ["deepmath-0", "deepmath-4"], None),  # no filter keeps everything
        ({"min_difficulty": 0.5}, ["deepmath-0"], "difficulty unknown"),  # NaN difficulty
        ({"topics": ["Mathematics -> Algebra"]}, ["deepmath-0"], "not in filter.topics"),
        ({"answer_kinds": ["yes_no"]}, ["deepmath-4"], "answer kind 'integer'"),  # by kind
        ({"max_question_chars": 12}, ["deepmath-4"], "over filter.max_question_chars"),
    ],
)
def test_filter_records_why_rows_were_left_out(
    filters: dict, kept_ids: list[str], reason_part: str | None
) -> None:
    valid, _ = validate_deepmath(_rows(), SOURCE)
    kept, rejects = filter_deepmath(valid, FilterParams(**filters))
    assert list(kept["id"]) == kept_ids
    assert len(kept) + len(rejects) == len(valid)
    assert set(kept["render_mode"]) <= {"text"}  # the question is rendered as text
    if reason_part:
        assert reason_part in rejects["detail"].iloc[0]
        assert set(rejects["stage"]) == {"filter"}


@pytest.mark.parametrize(
    "bad",
    [
        {"answer_kinds": ["bogus"]},  # a kind answer_kind() never returns
        {"min_difficulty": 5, "max_difficulty": 1},  # an empty range
    ],
)
def test_bad_filters_are_refused(bad: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        FilterParams(**bad)


def _rendered() -> pd.DataFrame:
    valid, _ = validate_deepmath(_rows(), SOURCE)
    return valid.assign(
        image=[image_cell(b"png-bytes")] * len(valid),
        image_width=[700] * len(valid),
        image_height=[80] * len(valid),
        render_repairs=[[]] * len(valid),
    )


def test_prompts_instruct_style_is_a_chat_with_an_image_block() -> None:
    frame = build_deepmath_rows(_rendered(), PromptParams())
    prompt = frame["prompt"].iloc[0]
    assert prompt[0] == {"role": "system", "content": [{"type": "text", "text": R1_SYSTEM_PROMPT}]}
    assert prompt[1]["role"] == "user"
    assert prompt[1]["content"][0] == {"type": "image", "text": None}
    assert list(frame["solution"]) == ["2", "Yes"]
    assert list(frame["answer_type"]) == ["math", "text"]
    assert set(frame["task"]) == {"deepmath"}
    assert {"id", "prompt", "image", "solution", "question", "difficulty", "topic"} <= set(
        frame.columns
    )


def test_prompts_base_style_is_plain_text_ending_in_think() -> None:
    frame = build_deepmath_rows(_rendered(), PromptParams(style="base"))
    prompt = frame["prompt"].iloc[0]
    assert isinstance(prompt, str)
    assert QWEN_IMAGE_PLACEHOLDER in prompt
    assert prompt.endswith("<think>")


def test_collect_rejects_concatenates_stages() -> None:
    _, validate_rejects = validate_deepmath(_rows(), SOURCE)
    empty = validate_rejects.iloc[0:0]
    combined = concat_rejects(validate_rejects, empty, validate_rejects.head(1))
    assert len(combined) == 4
    assert list(combined.columns) == ["row_id", "stage", "reason", "detail"]


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="colour"):
        FilterParams(colour="blue")  # type: ignore[call-arg]


def test_a_real_source_generates_nothing() -> None:
    real = SourceParams(path="zwhe99/DeepMath-103K")
    assert generate_deepmath(DeepMathEmbedded(count=3), real).empty


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ("\\frac{1}{2", "1 unclosed '{'"),  # a brace left open
        ("x}", "a '}' closes no '{'"),  # a stray closing brace
        ("\\left( x", "\\left and \\right do not pair"),  # an unmatched \left
    ],
)
def test_unparseable_gold_is_a_reject(answer: str, detail: str) -> None:
    rows = _rows().assign(answer=["2", "3", "4", answer, "Yes"], question="Q?")
    _, rejects = validate_deepmath(rows, SOURCE)
    bad = rejects.set_index("row_id").loc["deepmath-3"]
    assert bad["reason"] == "unparseable_answer" and detail in bad["detail"]


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ("validate", r"deepmath validate: every one of the 2 rows of embedded.*empty_question x2"),
        ("filter", r"deepmath filter: every one of the 2 rows of the 2 valid rows"),
    ],
)
def test_a_stage_that_keeps_nothing_stops_the_run(stage: str, message: str) -> None:
    rows = _rows().iloc[[0, 4]].assign(source_row=[0, 1])
    if stage == "validate":
        with pytest.raises(ValueError, match=message):
            validate_deepmath(rows.assign(question=""), SOURCE)
        return
    valid, _ = validate_deepmath(rows, SOURCE)
    with pytest.raises(ValueError, match=message):
        filter_deepmath(valid, FilterParams(max_difficulty=0.5))
