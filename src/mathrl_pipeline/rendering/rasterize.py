"""PDF pages to PNG bytes: one pdftoppm call per batch, then padding, scaling, checks."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from .config import PT_PER_INCH, QWEN_MAX_ASPECT, RenderConfig
from .latex import run_bounded

_PAGE_RE = re.compile(r"-(\d+)\.pgm$")


@dataclass(frozen=True)
class Raster:
    """A finished image."""

    png: bytes
    width: int
    height: int


def final_size(config: RenderConfig, width_pt: float, total_height_pt: float) -> tuple[int, int]:
    """Predicted (raw raster size) -> final image size before any pixel is drawn."""
    raw_w, raw_h = raster_size(config, width_pt, total_height_pt)
    w, h = raw_w + 2 * config.padding, raw_h + 2 * config.padding
    if w > config.max_width:
        h = max(1, round(h * config.max_width / w))
        w = config.max_width
    return w, h


def raster_size(config: RenderConfig, width_pt: float, total_height_pt: float) -> tuple[int, int]:
    """Pixel size pdftoppm produces for a page of this size."""
    scale = config.dpi / PT_PER_INCH
    return max(1, math.ceil(width_pt * scale)), max(1, math.ceil(total_height_pt * scale))


def budget_problem(config: RenderConfig, width_pt: float, total_height_pt: float) -> str | None:
    """Why a page of this size cannot become an image within the budget, if it cannot."""
    if width_pt <= 0.01 or total_height_pt <= 0.01:
        return "empty render (zero-size box)"
    raw_w, raw_h = raster_size(config, width_pt, total_height_pt)
    if raw_w * raw_h > config.max_raster_pixels:
        return f"page too large to rasterise: {raw_w}x{raw_h} px"
    w, h = final_size(config, width_pt, total_height_pt)
    if w * h > config.max_pixels:
        return f"image {w}x{h} = {w * h} px exceeds max_pixels={config.max_pixels}"
    if max(w, h) / min(w, h) > QWEN_MAX_ASPECT:
        return f"aspect ratio of {w}x{h} exceeds {QWEN_MAX_ASPECT:g}"
    return None


def _page_ranges(pages: Sequence[int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for page in sorted(pages):
        if ranges and ranges[-1][1] == page - 1:
            ranges[-1] = (ranges[-1][0], page)
        else:
            ranges.append((page, page))
    return ranges


def rasterize_pages(
    pdf: Path, pages: Sequence[int], config: RenderConfig
) -> tuple[dict[int, Path], str | None]:
    """Rasterise the given 1-based pages (grey) with pdftoppm; one call per page range."""
    found: dict[int, Path] = {}
    for first, last in _page_ranges(pages):
        argv = [
            "pdftoppm",
            "-r",
            str(config.dpi),
            "-gray",  # raw PGM: pdftoppm's own PNG encoder costs 8x the rendering
            "-f",
            str(first),
            "-l",
            str(last),
            pdf.name,
            "page",
        ]
        code, output = run_bounded(argv, pdf.parent, config.timeout_s)
        if code != 0:
            return (
                found,
                f"pdftoppm failed ({'timeout' if code is None else code}): {output.strip()[:200]}",
            )
    for path in pdf.parent.glob("page-*.pgm"):
        match = _PAGE_RE.search(path.name)
        if match:
            found[int(match.group(1))] = path
    return found, None


# Grey levels at or above this count as paper when trimming to the ink.
_PAPER = 250
_INK_LUT = [255 if v < _PAPER else 0 for v in range(256)]


def finish(path: Path, config: RenderConfig, keep_width: bool) -> Raster:
    """Trim to the ink, pad, scale to max_width, meet min_pixels, colour, encode.

    TeX boxes carry struts (blank space above and below a line), so the page is trimmed
    to its inked pixels; keep_width keeps the full line width ("text" items, so every
    question image has the same width) and trims only vertically.
    """
    with Image.open(path) as opened:
        img = opened.convert("L")
    box = img.point(_INK_LUT).getbbox()
    if box is None:
        raise ValueError("empty render (no ink)")
    if keep_width:
        # The page is the line width rounded up to whole pixels: drop that last column
        # rather than resample the whole image to max_width.
        width = img.width
        if box[2] <= config.max_width - 2 * config.padding < width:
            width = config.max_width - 2 * config.padding
        box = (0, box[1], width, box[3])
    img = img.crop(box)
    if config.padding:
        img = ImageOps.expand(img, border=config.padding, fill=255)
    if img.width > config.max_width:
        height = max(1, round(img.height * config.max_width / img.width))
        img = img.resize((config.max_width, height), Image.Resampling.LANCZOS)
    if img.width * img.height < config.min_pixels:
        grow = math.sqrt(config.min_pixels / (img.width * img.height))
        w, h = math.ceil(img.width * grow), math.ceil(img.height * grow)
        canvas = Image.new("L", (w, h), 255)
        canvas.paste(img, ((w - img.width) // 2, (h - img.height) // 2))
        img = canvas
    if config.background == "white" and config.foreground == "black":
        out = img if config.image_mode == "L" else img.convert("RGB")
    else:
        out = ImageOps.colorize(img, black=config.foreground, white=config.background)
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", compress_level=config.png_compress_level)
    return Raster(png=buffer.getvalue(), width=out.width, height=out.height)
