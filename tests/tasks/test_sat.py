"""SAT rows: the schema of the embedded default, sampling, validation with rejects, prompts."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from PIL import Image

from mathrl_pipeline.tasks import sat
from mathrl_pipeline.tasks.choices import or_join, shuffle_choices


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


def _row(i: int, **overrides: object) -> dict:
    row = {"image_bytes": [_png()], "question": "Is the red cube left of the blue cone?",
           "answers": ["left", "right"], "correct_answer": "left", "question_type": "left_right",
           "source_row": i}
    return {**row, **overrides}


def test_embedded_frame_has_the_sat_schema() -> None:
    frame = sat.generate_sat_frame(12, seed=1, multi_image_fraction=0.25)
    assert list(frame.columns[:5]) == list(sat.SAT_COLUMNS)
    assert "obj_movement" in set(frame["question_type"])
    for row in frame.to_dict("records"):
        assert row["correct_answer"] == row["answers"][0]  # SAT generator convention
        assert len(row["image_bytes"]) == (2 if row["question_type"] == "obj_movement" else 1)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"image_bytes": []}, "missing_image"),  # empty image list
        ({"image_bytes": None}, "missing_image"),  # null cell
        ({"image_bytes": [b"garbage"]}, "undecodable_image"),  # bytes that are no image
        ({"image_bytes": [_png(), _png()]}, "multi_image_skipped"),  # VisualThinker skips these
        ({"question": "   "}, "empty_question"),  # blank question
        ({"answers": []}, "empty_choices"),  # no choices
        ({"answers": ["left", "left"]}, "duplicate_choices"),  # ambiguous choices
        ({"correct_answer": "above"}, "answer_not_in_choices"),  # gold outside the choices
        ({"correct_answer": None}, "missing_answer"),  # no gold
    ],
)
def test_bad_rows_are_rejected_with_reason(overrides: dict, reason: str) -> None:
    frame = pd.DataFrame([_row(0), _row(1, **overrides)])
    valid, rejects = sat.validate_sat_frame(frame, max_images=1)
    assert len(valid) == 1
    assert rejects.to_dict("records")[0] | {"detail": ""} == {
        "row_id": "sat-1", "stage": "validate", "reason": reason, "detail": ""}


def test_multi_image_rows_kept_when_allowed_and_jpeg_becomes_png() -> None:
    frame = pd.DataFrame([_row(0, image_bytes=[_jpeg(), _png()])])
    valid, rejects = sat.validate_sat_frame(frame, max_images=2)
    assert len(valid) == 1 and rejects.empty
    out = sat.build_sat_rows(valid, style="instruct", seed=0, shuffle=False, keep_all_images=True,
                             source="x")
    assert out.loc[0, "num_images"] == 2 and len(out.loc[0, "images"]) == 2
    assert out.loc[0, "image"]["bytes"].startswith(b"\x89PNG")


def test_json_encoded_choices_are_read() -> None:
    frame = pd.DataFrame([_row(0, answers='["left", "right"]')])
    valid, _ = sat.validate_sat_frame(frame, max_images=1)
    assert valid.loc[0, "answers"] == ["left", "right"]


@pytest.mark.parametrize(
    ("style", "expected_start", "expected_piece"),
    [
        # VisualThinker base: image placeholder first, ends inside <think>
        ("base", "<|vision_start|>", "User:  Answer in natural language. Q? Choose between the "
                                     "following options: a, b or c \nAssistant: Let me solve"),
        # VisualThinker instruct: QUESTION_TEMPLATE, no system prompt
        ("instruct", None, "Choose between the following options: a, b or c  Output the thinking"),
        # direct (evaluation): no thinking instruction
        ("direct", None, "Answer in natural language. Q? Choose between"),
    ],
)
def test_prompts_follow_visualthinker(style: str, expected_start: str | None,
                                      expected_piece: str) -> None:
    prompt = sat.sat_prompt("Q?", ["a", "b", "c"], style)  # type: ignore[arg-type]
    if style == "base":
        assert isinstance(prompt, str) and prompt.startswith(expected_start)
        assert prompt.endswith("<think>") and expected_piece in prompt
    else:
        assert isinstance(prompt, list)
        assert prompt[-1]["content"][0] == {"type": "image", "text": None}
        assert expected_piece in prompt[-1]["content"][1]["text"]
        assert (style == "instruct") == (prompt[0]["role"] == "user")


def test_gold_is_the_answer_text_and_choices_are_seeded() -> None:
    frame = pd.DataFrame([_row(i, answers=["a", "b", "c", "d"], correct_answer="c")
                          for i in range(20)])
    valid, _ = sat.validate_sat_frame(frame, max_images=1)
    one = sat.build_sat_rows(valid, style="base", seed=5, shuffle=True, keep_all_images=False,
                             source="x")
    two = sat.build_sat_rows(valid, style="base", seed=5, shuffle=True, keep_all_images=False,
                             source="x")
    assert one["choices"].map(tuple).tolist() == two["choices"].map(tuple).tolist()
    assert len(set(one["choices"].map(tuple))) > 1  # rows get different orders
    for row in one.to_dict("records"):
        assert row["solution"] == "<answer>c</answer>"
        assert row["choices"][ord(row["answer_letter"]) - 65] == "c"
        assert or_join(row["choices"]) in row["prompt"]
        assert "images" not in row


@pytest.mark.parametrize(
    ("mode", "n", "expected"),
    [
        ("all", None, {"a": 6, "b": 2, "c": 1}),  # everything
        ("first", 4, {"a": 4}),  # dataset order (VisualThinker takes the first rows)
        ("stratified", 6, {"a": 3, "b": 2, "c": 1}),  # balanced, small groups kept whole
    ],
)
def test_sampling(mode: str, n: int | None, expected: dict[str, int]) -> None:
    frame = pd.DataFrame({"question_type": list("aaaaaabbc"), "source_row": range(9)})
    out = sat.sample_rows(frame, mode=mode, n=n, seed=0)  # type: ignore[arg-type]
    assert out["question_type"].value_counts().to_dict() == expected


def test_shuffle_depends_only_on_seed_and_key() -> None:
    assert shuffle_choices("abcd", seed=1, key="x") == shuffle_choices("abcd", seed=1, key="x")
    orders = {tuple(shuffle_choices("abcd", seed=s, key="x")) for s in range(20)}
    assert len(orders) > 5
