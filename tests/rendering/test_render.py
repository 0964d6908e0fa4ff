"""render_items end to end: order, crops, image conventions, isolation of bad items."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items, render_stats

CONFIG = RenderConfig(workers=1, batch_size=8, timeout_s=20)


def _image(png: bytes | None) -> Image.Image:
    assert png is not None
    return Image.open(io.BytesIO(png))


def _ink_box(img: Image.Image) -> tuple[int, int, int, int]:
    """Bounding box of non-background pixels."""
    grey = img.convert("L").point(lambda v: 255 if v < 250 else 0)
    box = grey.getbbox()
    assert box is not None, "blank image"
    return box


def test_results_in_order_one_per_item(tmp_path: Path) -> None:
    items = [
        RenderItem("a", r"Find $x$ such that $x^2 = 2$."),
        RenderItem("bad", r"$\undefinedmacro$"),
        RenderItem("b", r"\frac{a}{b} + \sqrt{c}", mode="display"),
        RenderItem("refused", r"\input{/etc/passwd}"),
        RenderItem("c", r"Let \(\mathscr{F}\) be a $\sigma$-algebra on $\Bbb R$."),
    ]
    results = render_items(items, CONFIG, tmp_path)
    assert [r.id for r in results] == ["a", "bad", "b", "refused", "c"]
    assert [r.ok for r in results] == [True, False, True, False, True]
    assert results[1].stage == "latex" and "Undefined control sequence" in (results[1].reason or "")
    assert results[3].stage == "sanitize" and results[3].reason == r"refused: \input"
    assert render_items([], CONFIG, tmp_path) == []


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        (r"Evaluate \[ \lim_{x\to\infty} \left(1+\frac{1}{x}\right)^x \]", "text"),  # display
        (r"A short question with $y = mx + c$.", "text"),  # one line
        (r"\int_0^1 x^2\,dx = \frac{1}{3}", "display"),  # bare formula
        (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", "display"),  # matrix, with `\\`
        ("a &= b \\\\ c &= d", "display"),  # top-level alignment
    ],
)
def test_crop_is_tight_with_padding(tmp_path: Path, text: str, mode: str) -> None:
    (result,) = render_items([RenderItem("x", text, mode)], CONFIG, tmp_path)  # type: ignore[arg-type]
    assert result.ok, result.reason
    img = _image(result.png)
    assert (img.width, img.height) == (result.width, result.height)
    assert img.width <= CONFIG.max_width
    left, top, right, bottom = _ink_box(img)
    pad = CONFIG.padding
    # nothing inside the padding, and ink reaches close to the padding top and bottom
    # trimmed to the ink: exactly the padding above and below
    assert (top, bottom) == (pad, img.height - pad)
    assert left >= pad and right <= img.width - pad
    if mode == "text":
        assert img.width == CONFIG.max_width
    else:
        assert (left, right) == (pad, img.width - pad)


def test_long_formula_is_not_clipped(tmp_path: Path) -> None:
    # An unbreakable inline formula wider than the line: re-rendered wider, then scaled.
    terms = " + ".join(f"x_{{{i}}}^{{{i}}}" for i in range(60))
    (result,) = render_items([RenderItem("wide", f"Compute ${terms}$ now.")], CONFIG, tmp_path)
    assert result.ok, result.reason
    img = _image(result.png)
    assert img.width == CONFIG.max_width
    left, _, right, _ = _ink_box(img)
    assert right <= img.width - CONFIG.padding + 1  # right margin still blank: not cut off


def test_background_and_colour_mode(tmp_path: Path) -> None:
    config = RenderConfig(workers=1, background="#ffffe0", foreground="navy")
    (result,) = render_items([RenderItem("c", "$x$", "display")], config, tmp_path)
    img = _image(result.png)
    assert img.mode == "RGB"
    assert img.getpixel((0, 0)) == (255, 255, 224)
    (grey,) = render_items([RenderItem("g", "$x$", "display")], CONFIG, tmp_path)
    assert _image(grey.png).mode == "L"
    rgb_config = RenderConfig(workers=1, image_mode="RGB")
    (rgb,) = render_items([RenderItem("r", "$x$", "display")], rgb_config, tmp_path)
    assert _image(rgb.png).mode == "RGB"


def test_pixel_budget(tmp_path: Path) -> None:
    tall = "\\par ".join(["A line of the question."] * 60)
    items = [RenderItem("tall", tall), RenderItem("tiny", "x", "display")]
    config = RenderConfig(workers=1, padding=0, min_pixels=3136, max_pixels=200_000)
    too_big, tiny = render_items(items, config, tmp_path)
    assert not too_big.ok and too_big.stage == "pixel_budget"
    assert "max_pixels" in (too_big.reason or "")
    assert tiny.ok and tiny.width * tiny.height >= 3136


def test_workers_and_batches_agree(tmp_path: Path) -> None:
    texts = [f"Item {i}: find $\\int_0^{{{i}}} t^{i}\\,dt$." for i in range(12)]
    items = [RenderItem(str(i), t) for i, t in enumerate(texts)]
    one = render_items(items, RenderConfig(workers=1, batch_size=12), tmp_path)
    many = render_items(items, RenderConfig(workers=2, batch_size=3), tmp_path)
    single = render_items(items[:3], RenderConfig(workers=1, batch_size=1), tmp_path)
    assert [r.png for r in one] == [r.png for r in many]
    assert [r.png for r in single] == [r.png for r in one[:3]]
    assert list(tmp_path.iterdir()) == []


def test_render_stats() -> None:
    from mathrl_pipeline.rendering import RenderResult

    results = [
        RenderResult("a", True, b"x", 1, 1, repairs=("unicode:≤",)),
        RenderResult("b", False, reason="refused: \\input", stage="sanitize"),
        RenderResult("c", False, reason="refused: \\input", stage="sanitize"),
    ]
    stats = render_stats(results)
    assert stats["total"] == 3 and stats["ok"] == 1 and stats["rejected"] == 2
    assert stats["rate"] == pytest.approx(1 / 3)
    assert stats["by_stage"] == {"sanitize": 2}
    assert stats["by_reason"] == {"refused: \\input": 2}
    assert stats["repairs"] == {"unicode": 1}
