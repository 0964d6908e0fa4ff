"""Images in the parquet splits, stored as `datasets.Image()` stores them: {bytes, path}."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, UnidentifiedImageError


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
