import numpy as np
import pandas as pd
import pytest

from mathrl_pipeline.models.qwen2_vl import QWEN_IMAGE_PLACEHOLDER
from mathrl_pipeline.pipelines.deepmath.nodes import (
    build_deepmath_prompts,
    collect_deepmath_rejects,
    filter_deepmath,
    ingest_deepmath,
    split_deepmath,
    validate_deepmath,
)
from mathrl_pipeline.tasks.images import image_cell
from mathrl_pipeline.tasks.prompts import R1_SYSTEM_PROMPT


def _params(**overrides: object) -> dict:
    params: dict = {"render": {"workdir": "unused"}}
    params.update(overrides)
    return params


def _raw() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hf_row_index": [0, 1, 2, 3, 4],
            "question": ["What is $1+1$?", "", None, "Compute $\\int_0^1 x\\,dx$.", "Is 7 prime?"],
            "final_answer": ["2", "3", "4", None, "Yes"],
            "difficulty": [1.0, 2.0, 3.0, 4.0, np.nan],
            "topic": ["Mathematics -> Algebra", None, None, None, "Mathematics -> Number Theory"],
        }
    )


def test_ingest_embedded_is_offline_and_limited() -> None:
    raw = ingest_deepmath(_params(embedded={"count": 12, "seed": 1}, limit=5))
    assert len(raw) == 5
    assert {"question", "final_answer", "difficulty", "topic"} <= set(raw.columns)


def test_validate_keeps_good_rows_and_records_each_bad_one() -> None:
    raw = _raw()
    before = raw.copy(deep=True)
    valid, rejects = validate_deepmath(raw, _params())
    pd.testing.assert_frame_equal(raw, before)  # inputs are never mutated
    assert list(valid["id"]) == ["deepmath-0", "deepmath-4"]
    assert list(valid["answer_kind"]) == ["integer", "yes_no"]
    assert rejects.to_dict(orient="records") == [
        {"row_id": "deepmath-1", "stage": "validate", "reason": "missing or empty question",
         "detail": ""},
        {"row_id": "deepmath-2", "stage": "validate", "reason": "missing or empty question",
         "detail": ""},
        {"row_id": "deepmath-3", "stage": "validate", "reason": "missing or empty answer",
         "detail": ""},
    ]


def test_validate_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="'solution'.*available columns"):
        validate_deepmath(_raw(), _params(columns={"answer": "solution"}))


@pytest.mark.parametrize(
    ("filters", "kept_ids", "reason_part"),
    [
        ({}, ["deepmath-0", "deepmath-4"], None),  # no filter keeps everything
        ({"min_difficulty": 0.5}, ["deepmath-0"], "difficulty unknown"),  # NaN difficulty
        ({"max_difficulty": 0.5}, [], "above deepmath.filter.max_difficulty"),  # too hard
        ({"topics": ["Mathematics -> Algebra"]}, ["deepmath-0"], "not in deepmath.filter.topics"),
        ({"answer_kinds": ["yes_no"]}, ["deepmath-4"], "answer kind 'integer'"),  # by kind
        ({"max_question_chars": 12}, ["deepmath-4"], "over deepmath.filter.max_question_chars"),
    ],
)
def test_filter_records_why_rows_were_left_out(
    filters: dict, kept_ids: list[str], reason_part: str | None
) -> None:
    valid, _ = validate_deepmath(_raw(), _params())
    kept, rejects = filter_deepmath(valid, _params(filter=filters))
    assert list(kept["id"]) == kept_ids
    assert len(kept) + len(rejects) == len(valid)
    if reason_part:
        assert reason_part in rejects["reason"].iloc[0]
        assert set(rejects["stage"]) == {"filter"}


def test_filter_rejects_unknown_answer_kind_parameter() -> None:
    valid, _ = validate_deepmath(_raw(), _params())
    with pytest.raises(ValueError, match="answer_kinds.*'bogus'"):
        filter_deepmath(valid, _params(filter={"answer_kinds": ["bogus"]}))


def _rendered() -> pd.DataFrame:
    valid, _ = validate_deepmath(_raw(), _params())
    return valid.assign(
        image=[image_cell(b"png-bytes")] * len(valid),
        image_width=[700] * len(valid),
        image_height=[80] * len(valid),
        render_repairs=[[]] * len(valid),
    )


def test_prompts_instruct_style_is_a_chat_with_an_image_block() -> None:
    frame = build_deepmath_prompts(_rendered(), _params())
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
    frame = build_deepmath_prompts(_rendered(), _params(prompt={"style": "base"}))
    prompt = frame["prompt"].iloc[0]
    assert isinstance(prompt, str)
    assert QWEN_IMAGE_PLACEHOLDER in prompt
    assert prompt.endswith("<think>")


def test_split_is_seeded() -> None:
    frame = build_deepmath_prompts(_rendered(), _params())
    train, test = split_deepmath(frame, _params(split={"test_fraction": 0.5, "seed": 1}))
    assert len(train) == 1 and len(test) == 1


def test_collect_rejects_concatenates_stages() -> None:
    _, validate_rejects = validate_deepmath(_raw(), _params())
    empty = validate_rejects.iloc[0:0]
    combined = collect_deepmath_rejects(validate_rejects, empty, validate_rejects.head(1))
    assert len(combined) == 4
    assert list(combined.columns) == ["row_id", "stage", "reason", "detail"]


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ValueError, match="colour"):
        validate_deepmath(_raw(), _params(colour="blue"))
