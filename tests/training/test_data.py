"""Contract DataFrame -> datasets.Dataset: numpy-nested prompts, base-style strings, checks."""

from __future__ import annotations

import pytest

from mathrl_pipeline.models.qwen2_vl import FAMILY as QWEN2_VL
from mathrl_pipeline.tasks.prompts import PromptTemplate
from mathrl_pipeline.training.data import (
    check_columns,
    check_pixel_budget,
    normalise_prompt,
    prompt_style,
    to_grpo_dataset,
)
from tests.training.digits import digit_frame


def test_parquet_shaped_prompts_become_plain_lists() -> None:
    frame = digit_frame(2)
    dataset = to_grpo_dataset(frame, QWEN2_VL.image_placeholder)
    prompt = dataset[0]["prompt"]
    assert isinstance(prompt, list) and isinstance(prompt[1]["content"], list)
    assert prompt[1]["content"][0] == {"type": "image", "text": None}
    assert dataset[0]["image"].size == (56, 56)  # decoded by datasets.Image()
    assert prompt_style(frame) == "chat"


def test_base_prompt_round_trips_through_the_raw_template() -> None:
    from jinja2 import Template

    text = PromptTemplate(style="base").build("Which digit?")
    messages = normalise_prompt(text, QWEN2_VL.image_placeholder)
    assert Template(QWEN2_VL.raw_chat_template).render(messages=messages) == text
    assert prompt_style(digit_frame(2, style="base")) == "base"


def test_checks_name_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="solution"):
        check_columns(digit_frame(2).drop(columns=["solution"]))
    with pytest.raises(ValueError, match=r"train\.model\.max_pixels"):
        check_pixel_budget(digit_frame(2), max_pixels=100, allow_downscale=False)
    check_pixel_budget(digit_frame(2), max_pixels=100, allow_downscale=True)


def test_fingerprint_survives_parquet_and_sees_every_change(tmp_path) -> None:
    import pandas as pd

    from mathrl_pipeline.training.data import frame_fingerprint

    frame = digit_frame(4)
    frame.to_parquet(tmp_path / "split.parquet")
    same = pd.read_parquet(tmp_path / "split.parquet")
    assert frame_fingerprint(same) == frame_fingerprint(frame)  # the catalog's round trip
    other_image = frame.copy()
    other_image.at[0, "image"] = digit_frame(4)["image"][1]
    changed = [frame.iloc[::-1], frame.head(3), other_image, frame.assign(solution="0")]
    assert len({frame_fingerprint(f) for f in [frame, *changed]}) == 1 + len(changed)
