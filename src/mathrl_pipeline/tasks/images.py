"""Images in the parquet splits, stored as `datasets.Image()` stores them: {bytes, path}."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from mathrl_pipeline.tasks.cells import is_missing
from mathrl_pipeline.tasks.rejects import MISSING_IMAGE, UNDECODABLE_IMAGE, RowError

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class ImageDecodeError(ValueError):
    """Image bytes that cannot be decoded, with the reason."""


def image_cell(png: bytes) -> dict[str, Any]:
    """The parquet cell for one image."""
    return {"bytes": png, "path": None}


def to_png_bytes(image: Image.Image) -> bytes:
    """Encode a PIL image as PNG bytes (RGB)."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def decode_image(data: Any, *, max_pixels: int = 50_000_000) -> Image.Image:
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
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageDecodeError(f"undecodable image bytes: {exc}") from exc
    return image


def image_bytes_of(value: Any) -> bytes | None:
    """The raw bytes of an image cell (bytes, ``{"bytes": ...}``), None when absent."""
    if isinstance(value, dict):
        value = value.get("bytes")
    if is_missing(value):
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return None


def checked_png(value: Any) -> bytes:
    """Verify an image cell decodes and return PNG bytes (PNG input is kept as is).

    Raises :class:`RowError` with ``missing_image`` or ``undecodable_image``.
    """
    if isinstance(value, Image.Image):
        return to_png_bytes(value)
    data = image_bytes_of(value)
    if data is None:
        raise RowError(MISSING_IMAGE, "no image bytes")
    try:
        image = decode_image(data)
    except ImageDecodeError as exc:
        raise RowError(UNDECODABLE_IMAGE, str(exc)[:200]) from exc
    return data if data.startswith(_PNG_MAGIC) else to_png_bytes(image)
