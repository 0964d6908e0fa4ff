"""Image cells as sources serve them, and as the splits store them: RGB PNG in {bytes, path}.

A source cell may hold one image or a list of them (``List(Image())``, SAT's ``image_bytes``);
each image may be a ``{"bytes", "path"}`` struct (``datasets.Image()`` storage), raw bytes, a
base64 string (or ``data:image/...;base64,`` URI), a file path (relative to the mirror or to
``<task>.source.images.root``) or a PIL image (a ``datasets`` stream that decodes). Every image
is decoded, verified and normalised to RGB (transparency composited on white); the mode it came
in is kept so the stage report can count the conversions.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, UnidentifiedImageError
from pydantic import Field

from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.tasks.cells import is_missing
from mathrl_pipeline.tasks.rejects import MISSING_IMAGE, MULTI_IMAGE, UNDECODABLE_IMAGE, RowError

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URI = re.compile(r"^data:image/[\w.+-]+;base64,", re.IGNORECASE)
_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")
MAX_IMAGE_PIXELS = 50_000_000


class ImagePolicy(StrictParams):
    """``<task>.source.images``: how image cells are read.

    ``multiple``: what a row with several images becomes: ``reject`` (a ``multi_image_skipped``
    reject, as VisualThinker skips them), ``first`` (its first image), or ``all`` (every image,
    kept in an ``images`` column; a row with more than ``max_images`` is a reject).
    ``root``: the folder relative image paths are read from (default: the local mirror).
    """

    multiple: Literal["first", "all", "reject"] = "reject"
    max_images: int = Field(2, ge=1)
    root: str | None = None


class ImageDecodeError(ValueError):
    """Image bytes that cannot be decoded, with the reason."""


@dataclass(frozen=True)
class RowImage:
    """One image of a row: RGB PNG bytes, its size, and the mode it had in the source."""

    png: bytes
    width: int
    height: int
    source_mode: str


def image_cell(png: bytes) -> dict[str, Any]:
    """The parquet cell for one image."""
    return {"bytes": png, "path": None}


def to_png_bytes(image: Image.Image) -> bytes:
    """Encode a PIL image as PNG bytes (RGB, transparency composited on white)."""
    buffer = io.BytesIO()
    to_rgb(image).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def to_rgb(image: Image.Image) -> Image.Image:
    """The image in RGB; transparent pixels (RGBA, LA, P with transparency) become white."""
    if image.mode == "RGB":
        return image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def decode_image(data: Any, *, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """Decode image bytes (or a ``{"bytes": ...}`` cell, or a PIL image) and verify it fully."""
    if isinstance(data, Image.Image):
        return data
    if isinstance(data, dict):
        data = data.get("bytes")
    if data is None or len(data) == 0:
        raise ImageDecodeError("image is missing (no bytes)")
    try:
        with Image.open(io.BytesIO(bytes(data))) as probe:
            width, height = probe.size
            if width * height > max_pixels:
                raise ImageDecodeError(f"image too large: {width}x{height} > {max_pixels} pixels")
            probe.verify()
        image = Image.open(io.BytesIO(bytes(data)))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageDecodeError):
            raise
        raise ImageDecodeError(f"undecodable image bytes: {exc}") from exc
    return image


def image_items(cell: Any) -> list[Any]:
    """The images of a cell: a list cell's items, a single image as one item, none when empty."""
    if isinstance(cell, dict | bytes | bytearray | memoryview | str | Image.Image):
        return [] if is_missing(cell) else [cell]
    if isinstance(cell, list | tuple | np.ndarray):
        return list(cell)
    return [] if is_missing(cell) else [cell]


def _path_bytes(text: str, root: Path | None) -> bytes:
    """The bytes of an image file named by ``text`` (relative to ``root``)."""
    path = Path(text)
    if not path.is_absolute() and root is not None:
        path = root / path
    if not path.is_file():
        raise RowError(MISSING_IMAGE, f"image file {str(path)[:200]} not found")
    return path.read_bytes()


def _string_bytes(text: str, root: Path | None) -> bytes:
    """A string cell: a data URI, a file path (short strings), or bare base64."""
    text = text.strip()
    if _DATA_URI.match(text):
        text = text.split(",", 1)[1]
    elif len(text) < 1024 and (text.lower().endswith(_IMAGE_SUFFIXES) or "." in text[-6:]):
        return _path_bytes(text, root)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RowError(MISSING_IMAGE, "a string cell that is neither base64 nor an image "
                                      f"path: {text[:80]!r}") from exc


def item_bytes(item: Any, root: Path | None) -> bytes | Image.Image:
    """The encoded bytes of one image item (or the PIL image a decoding stream gave)."""
    if isinstance(item, Image.Image):
        return item
    if isinstance(item, dict):
        data, path = item.get("bytes"), item.get("path")
        if not is_missing(data):
            return item_bytes(data, root)
        if isinstance(path, str) and path:
            return _path_bytes(path, root)
        raise RowError(MISSING_IMAGE, "image struct with neither bytes nor path")
    if isinstance(item, bytes | bytearray | memoryview):
        if len(item) == 0:
            raise RowError(MISSING_IMAGE, "empty image bytes")
        return bytes(item)
    if isinstance(item, str) and item.strip():
        return _string_bytes(item, root)
    raise RowError(MISSING_IMAGE, f"no image in a {type(item).__name__} cell")


def normalize_image(item: Any, root: Path | None = None) -> RowImage:
    """One image item as RGB PNG (RGB PNG input is kept byte for byte)."""
    data = item_bytes(item, root)
    try:
        image = decode_image(data)
    except ImageDecodeError as exc:
        raise RowError(UNDECODABLE_IMAGE, str(exc)[:200]) from exc
    mode = image.mode
    is_png = isinstance(data, bytes) and data.startswith(_PNG_MAGIC)
    if mode == "RGB" and is_png and "transparency" not in image.info:
        png = data
    else:
        png = to_png_bytes(image)
    width, height = image.size
    return RowImage(png=png, width=width, height=height, source_mode=mode)


def select_images(items: list[Any], policy: ImagePolicy) -> list[Any]:
    """The items a row keeps under ``policy``; no image or too many are rejects."""
    if not items:
        raise RowError(MISSING_IMAGE, "no image in the row")
    if len(items) == 1:
        return items
    if policy.multiple == "first":
        return items[:1]
    if policy.multiple == "all" and len(items) <= policy.max_images:
        return items
    limit = policy.max_images if policy.multiple == "all" else 1
    raise RowError(MULTI_IMAGE, f"{len(items)} images > {limit} (images.multiple="
                                f"{policy.multiple}, max_images={policy.max_images})")


def row_images(cell: Any, policy: ImagePolicy, root: Path | None = None) -> list[RowImage]:
    """A row's image cell read under ``policy``: RGB PNG images, or a reject (``RowError``)."""
    return [normalize_image(item, root) for item in select_images(image_items(cell), policy)]


def source_modes(images: list[RowImage]) -> str:
    """The source modes of a row's images, comma-joined (``RGBA`` or ``RGB,RGB``)."""
    return ",".join(image.source_mode for image in images)
