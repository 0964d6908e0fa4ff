"""SAT rows: the schema of the embedded default, sampling, validation with rejects, prompts."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from PIL import Image

from mathrl_pipeline.tasks import sat
from mathrl_pipeline.tasks.choices import or_join, shuffle_choices
from mathrl_pipeline.tasks.images import ImagePolicy
from mathrl_pipeline.tasks.ingest import SourceParams
from mathrl_pipeline.tasks.prompts import PromptParams

ONE_IMAGE = SourceParams()
TWO_IMAGES = SourceParams(images=ImagePolicy(multiple="all", max_images=2))


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


def _row(i: int, **overrides: object) -> dict:
    """A row with the task's fields (after `sat.source.columns` mapped the source's)."""
    row = {"images": [_png()], "question": "Is the red cube left of the blue cone?",
           "choices": ["left", "right"], "answer": "left", "question_type": "left_right",
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
        ({"images": []}, "missing_image"),  # empty image list
        ({"images": None}, "missing_image"),  # null cell
        ({"images": [b"garbage"]}, "undecodable_image"),  # bytes that are no image
        ({"images": [_png(), _png()]}, "multi_image_skipped"),  # VisualThinker skips these
        ({"question": "   "}, "empty_question"),  # blank question
        ({"choices": []}, "empty_choices"),  # no choices
        ({"choices": ["left", "left"]}, "duplicate_choices"),  # ambiguous choices
        ({"answer": "above"}, "answer_not_in_choices"),  # gold outside the choices
        ({"answer": None}, "missing_answer"),  # no gold
    ],
)
def test_bad_rows_are_rejected_with_reason(overrides: dict, reason: str) -> None:
    frame = pd.DataFrame([_row(0), _row(1, **overrides)])
    valid, rejects = sat.validate_sat_rows(frame, ONE_IMAGE)
    assert len(valid) == 1
    assert rejects.to_dict("records")[0] | {"detail": ""} == {
        "row_id": "sat-1", "stage": "validate", "reason": reason, "detail": ""}


def test_multi_image_rows_kept_when_allowed_and_jpeg_becomes_png() -> None:
    frame = pd.DataFrame([_row(0, images=[_jpeg(), _png()])])
    valid, rejects = sat.validate_sat_rows(frame, TWO_IMAGES)
    assert len(valid) == 1 and rejects.empty
    out = sat.build_sat_rows(valid, PromptParams(style="instruct"),
                             sat.ChoiceParams(shuffle=False), TWO_IMAGES)
    assert out.loc[0, "num_images"] == 2 and len(out.loc[0, "images"]) == 2
    assert out.loc[0, "image"]["bytes"].startswith(b"\x89PNG")


def test_json_encoded_choices_are_read() -> None:
    frame = pd.DataFrame([_row(0, choices='["left", "right"]')])
    valid, _ = sat.validate_sat_rows(frame, ONE_IMAGE)
    assert valid.loc[0, "choices"] == ["left", "right"]


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
    frame = pd.DataFrame([_row(i, choices=["a", "b", "c", "d"], answer="c")
                          for i in range(20)])
    valid, _ = sat.validate_sat_rows(frame, ONE_IMAGE)
    choices = sat.ChoiceParams(shuffle=True, seed=5)
    one = sat.build_sat_rows(valid, PromptParams(style="base"), choices, ONE_IMAGE)
    two = sat.build_sat_rows(valid, PromptParams(style="base"), choices, ONE_IMAGE)
    assert one["choices"].map(tuple).tolist() == two["choices"].map(tuple).tolist()
    assert len(set(one["choices"].map(tuple))) > 1  # rows get different orders
    for row in one.to_dict("records"):
        assert row["solution"] == "<answer>c</answer>"
        assert row["choices"][ord(row["answer_letter"]) - 65] == "c"
        assert or_join(row["choices"]) in row["prompt"]
        assert "images" not in row


def test_shuffle_depends_only_on_seed_and_key() -> None:
    assert shuffle_choices("abcd", seed=1, key="x") == shuffle_choices("abcd", seed=1, key="x")
    orders = {tuple(shuffle_choices("abcd", seed=s, key="x")) for s in range(20)}
    assert len(orders) > 5
