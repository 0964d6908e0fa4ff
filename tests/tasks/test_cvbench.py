"""CV-Bench rows: schema of the embedded default, validation with rejects, prompts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from mathrl_pipeline.tasks import cvbench
from mathrl_pipeline.tasks.ingest import SourceParams
from mathrl_pipeline.tasks.prompts import PromptParams

SOURCE = SourceParams(split="test")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def _row(idx: int, **overrides: object) -> dict:
    """A row with the task's fields (`cvbench.source.columns` maps idx -> id, task -> subtask)."""
    row = {"id": idx, "source_row": idx, "type": "2D", "subtask": "Count",
           "image": {"bytes": _png(), "path": None},
           "question": "How many cubes are in the image?", "choices": ["3", "2", "1", "0"],
           "answer": "(C)", "prompt": None, "source": "COCO"}
    return {**row, **overrides}


def test_embedded_frame_has_cvbench_fields() -> None:
    frame = cvbench.generate_cvbench_frame(8, seed=0)
    assert set(cvbench.CVBENCH_COLUMNS) <= set(frame.columns)
    assert sorted(frame["task"].unique()) == ["Count", "Depth", "Distance", "Relation"]
    for row in frame.to_dict("records"):
        assert row["prompt"] == cvbench.cvbench_question_prompt(row["question"], row["choices"])
        assert row["answer"] in {f"({c})" for c in "ABCD"[: len(row["choices"])]}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"image": None}, "missing_image"),  # no image cell
        ({"image": {"bytes": b"\x00\x01", "path": None}}, "undecodable_image"),  # garbage bytes
        ({"question": ""}, "empty_question"),  # blank question
        ({"choices": []}, "empty_choices"),  # no options
        ({"answer": "(E)"}, "answer_not_in_choices"),  # letter beyond the options
        ({"answer": "seven"}, "answer_not_in_choices"),  # neither a letter nor a choice
    ],
)
def test_bad_rows_are_rejected(overrides: dict, reason: str) -> None:
    valid, rejects = cvbench.validate_cvbench_rows(pd.DataFrame([_row(0), _row(1, **overrides)]),
                                                   SOURCE)
    assert len(valid) == 1
    assert rejects[["row_id", "reason"]].values.tolist() == [["cvbench-1", reason]]


@pytest.mark.parametrize(
    ("style", "piece"),
    [
        ("base", "\nUser: How many cubes are in the image? Select from"),  # VisualThinker eval
        ("instruct", "(D) 0  Output the thinking process"),  # VisualThinker QUESTION_TEMPLATE
        ("direct", "(C) 1\n(D) 0"),  # CV-Bench prompt alone
    ],
)
def test_prompt_styles(style: str, piece: str) -> None:
    valid, _ = cvbench.validate_cvbench_rows(pd.DataFrame([_row(0)]), SOURCE)
    out = cvbench.build_cvbench_rows(valid, PromptParams(style=style))  # type: ignore[arg-type]
    prompt = out.loc[0, "prompt"]
    text = prompt if isinstance(prompt, str) else prompt[-1]["content"][1]["text"]
    assert piece in text
    assert out.loc[0, "solution"] == "<answer>(C)</answer>" and out.loc[0, "answer_text"] == "1"


@pytest.mark.shared_data
def test_prompt_format_matches_real_cvbench_rows(shared_data: Path) -> None:
    rows = [json.loads(line) for line in (shared_data / "cvbench_rows.jsonl").open()]
    checked = 0
    for row in rows:
        if row.get("question") and row.get("prompt"):
            assert cvbench.cvbench_question_prompt(row["question"], row["choices"]) == \
                row["prompt"]
            checked += 1
    assert checked >= 2


def test_every_row_rejected_stops_the_stage_naming_source_and_reasons() -> None:
    rows = pd.DataFrame([_row(i, image=None) for i in range(3)])
    with pytest.raises(ValueError, match=r"every one of the 3 rows of embedded.*missing_image x3"):
        cvbench.validate_cvbench_rows(rows, SOURCE)
