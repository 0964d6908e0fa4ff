"""RenderConfig: frozen, validated."""

from __future__ import annotations

import pydantic
import pytest

from mathrl_pipeline.rendering import RenderConfig


@pytest.mark.parametrize(
    "overrides",
    [
        {"dpi": 10},  # too low to read
        {"max_width": 10},  # no room for text
        {"padding": -1},  # negative padding
        {"padding": 300},  # padding eats the image
        {"max_pixels": 10, "min_pixels": 100},  # empty budget
        {"batch_size": 0},  # no items per run
        {"workers": 0},  # no workers
        {"timeout_s": 0},  # no time to run
        {"max_chars": 0},  # nothing accepted
        {"mode_default": "inline"},  # unknown mode
        {"background": "not-a-colour"},  # not a colour
        {"font_size_pt": 9},  # article has no 9pt
        {"image_mode": "CMYK"},  # unsupported PNG mode
    ],
)
def test_invalid_config_is_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RenderConfig(**overrides)


def test_config_is_frozen() -> None:
    config = RenderConfig()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        config.dpi = 300  # type: ignore[misc]


def test_text_width_fills_max_width_exactly() -> None:
    # (750 - 2*12) px at 150 dpi = 4.84 in = 349.8 pt
    config = RenderConfig(dpi=150, max_width=750, padding=12)
    assert config.line_width_pt == pytest.approx(726 / 150 * 72.27)
    assert RenderConfig(text_width_pt=300).line_width_pt == 300
