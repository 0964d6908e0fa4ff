"""Render configuration: image conventions, batching and safety limits."""

from __future__ import annotations

from PIL import ImageColor
from pydantic import model_validator

from mathrl_pipeline.params import StrictParams

# TeX points per inch (pdfTeX page sizes are in TeX points, rasterisation is per inch).
PT_PER_INCH = 72.27
MODES = ("text", "display")
# Qwen2.5-VL's image processor refuses images whose aspect ratio exceeds this.
QWEN_MAX_ASPECT = 200.0


class RenderConfig(StrictParams):
    """How items become images, validated on construction (the type of ``<task>.render``).

    dpi: rasterisation resolution. max_width: widest image in pixels (wider renders are
    scaled down; Math-OCR-Zero uses 750). padding: blank pixels added on every side.
    background / foreground: colours (PIL colour names or #rrggbb).
    min_pixels / max_pixels: the vision model's pixel budget (Qwen2.5-VL defaults);
    images below min_pixels are padded up to it, images above max_pixels are rejected.
    text_width_pt: line width for "text" items; None derives it so that a paragraph
    plus padding is exactly max_width pixels wide at dpi.
    font_size_pt: 10, 11 or 12 (article class sizes).
    batch_size: items per pdflatex run. workers: processes (1 = in-process).
    timeout_s: wall-clock limit for one pdflatex or pdftoppm call (process group killed).
    max_chars: longest accepted input text. max_raster_pixels: hard cap on the pixels of
    one page before rasterisation (protects memory against giant boxes).
    mode_default: mode used when an item's mode is None.
    image_mode: "L" (8-bit grey PNG, smallest and fastest; models convert to RGB on load)
    or "RGB". Colours other than black on white always give RGB.
    """

    dpi: int = 150
    max_width: int = 750
    padding: int = 12
    background: str = "white"
    foreground: str = "black"
    min_pixels: int = 4 * 28 * 28
    max_pixels: int = 16384 * 28 * 28
    text_width_pt: float | None = None
    font_size_pt: int = 12
    batch_size: int = 128
    workers: int = 2
    timeout_s: float = 20.0
    max_chars: int = 8000
    max_raster_pixels: int = 40_000_000
    mode_default: str = "text"
    png_compress_level: int = 1
    image_mode: str = "L"

    @model_validator(mode="after")
    def _check(self) -> RenderConfig:
        checks: list[tuple[bool, str]] = [
            (36 <= self.dpi <= 1200, f"dpi must be in [36, 1200], got {self.dpi}"),
            (self.max_width >= 64, f"max_width must be >= 64, got {self.max_width}"),
            (0 <= self.padding, f"padding must be >= 0, got {self.padding}"),
            (
                2 * self.padding < self.max_width // 2,
                "padding must leave at least half of max_width for content",
            ),
            (self.min_pixels >= 0, "min_pixels must be >= 0"),
            (self.max_pixels > self.min_pixels, "max_pixels must exceed min_pixels"),
            (
                self.text_width_pt is None or 20.0 <= self.text_width_pt <= 2000.0,
                "text_width_pt must be None or in [20, 2000]",
            ),
            (self.font_size_pt in (10, 11, 12), "font_size_pt must be 10, 11 or 12"),
            (1 <= self.batch_size <= 1000, "batch_size must be in [1, 1000]"),
            (1 <= self.workers <= 256, "workers must be in [1, 256]"),
            (0.5 <= self.timeout_s <= 3600, "timeout_s must be in [0.5, 3600]"),
            (16 <= self.max_chars <= 1_000_000, "max_chars must be in [16, 1000000]"),
            (self.max_raster_pixels >= self.max_pixels, "max_raster_pixels < max_pixels"),
            (self.mode_default in MODES, f"mode_default must be one of {MODES}"),
            (0 <= self.png_compress_level <= 9, "png_compress_level must be in [0, 9]"),
            (self.image_mode in ("L", "RGB"), "image_mode must be 'L' or 'RGB'"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)
        for name in ("background", "foreground"):
            try:
                ImageColor.getrgb(getattr(self, name))
            except ValueError as exc:
                raise ValueError(f"{name} is not a colour: {getattr(self, name)!r}") from exc
        return self

    @property
    def line_width_pt(self) -> float:
        """Width of the paragraph box for "text" items, in TeX points."""
        if self.text_width_pt is not None:
            return self.text_width_pt
        return (self.max_width - 2 * self.padding) / self.dpi * PT_PER_INCH
