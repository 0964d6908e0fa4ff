"""Image cells as sources serve them: one image or a list, structs, bytes, base64, paths, PIL;
every image RGB PNG in the splits, the source mode kept for the report."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from mathrl_pipeline.tasks.images import ImagePolicy, normalize_image, row_images
from mathrl_pipeline.tasks.rejects import RowError
from tests.fixtures.hub_layouts import encoded, rgb_pixels, scene

PNG = encoded(scene(1), "PNG")
JPEG = encoded(scene(2), "JPEG")


def _cell(kind: str, folder: Path) -> Any:
    """An image cell of one kind, holding PNG."""
    (folder / "img").mkdir(exist_ok=True)
    (folder / "img" / "a.png").write_bytes(PNG)
    return {
        "struct": {"bytes": PNG, "path": "a.png"},  # datasets.Image() storage
        "struct_path_only": {"bytes": None, "path": "img/a.png"},  # a path beside the mirror
        "bytes": PNG,  # raw bytes (SAT's list items)
        "memoryview": memoryview(PNG),  # what some Arrow conversions hand out
        "base64": base64.b64encode(PNG).decode(),  # base64 text (jsonl exports)
        "data_uri": "data:image/png;base64," + base64.b64encode(PNG).decode(),  # a data URI
        "relative_path": "img/a.png",  # a path relative to the mirror
        "pil": Image.open(io.BytesIO(PNG)),  # a decoding `datasets` stream
        "list_of_one": [{"bytes": PNG, "path": None}],  # geometry3k / SAT-v2 lists
        "ndarray_of_one": np.array([PNG], dtype=object),  # a list cell through pandas
    }[kind]


@pytest.mark.parametrize("kind", ["struct", "struct_path_only", "bytes", "memoryview", "base64",
                                  "data_uri", "relative_path", "pil", "list_of_one",
                                  "ndarray_of_one"])
def test_every_cell_form_gives_the_same_rgb_png(tmp_path: Path, kind: str) -> None:
    images = row_images(_cell(kind, tmp_path), ImagePolicy(), tmp_path)
    assert len(images) == 1
    assert images[0].png.startswith(b"\x89PNG")
    assert np.array_equal(rgb_pixels(images[0].png), rgb_pixels(PNG))


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (None, "missing_image"),  # null cell
        ([], "missing_image"),  # empty list
        ({"bytes": None, "path": None}, "missing_image"),  # empty struct
        ({"bytes": None, "path": "nowhere.png"}, "missing_image"),  # a path that is not there
        ("not base64 and not a path!", "missing_image"),  # an unreadable string
        (b"\x89PNG not really", "undecodable_image"),  # bytes that are no image
        ([PNG, None], "multi_image_skipped"),  # two items, policy reject
    ],
)
def test_bad_cells_are_row_errors(tmp_path: Path, cell: Any, reason: str) -> None:
    with pytest.raises(RowError) as info:
        row_images(cell, ImagePolicy(), tmp_path)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("policy", "kept"),
    [
        (ImagePolicy(multiple="first"), 1),  # first image only
        (ImagePolicy(multiple="all", max_images=2), 2),  # all, up to max_images
        (ImagePolicy(multiple="all", max_images=1), None),  # over max_images: a reject
        (ImagePolicy(multiple="reject"), None),  # VisualThinker: skip multi-image rows
    ],
)
def test_image_lists_follow_the_policy(policy: ImagePolicy, kept: int | None) -> None:
    cell = [{"bytes": PNG, "path": None}, {"bytes": JPEG, "path": None}]
    if kept is None:
        with pytest.raises(RowError, match="multi_image_skipped"):
            row_images(cell, policy)
        return
    assert len(row_images(cell, policy)) == kept


@pytest.mark.parametrize(
    ("image", "fmt", "mode"),
    [
        (scene(3, mode="RGBA"), "PNG", "RGBA"),  # CLEVR-style PNG with alpha
        (scene(4, mode="P"), "PNG", "P"),  # palette PNG (diagrams)
        (scene(5, mode="L"), "PNG", "L"),  # greyscale PNG (geometry3k)
        (scene(6).convert("LA"), "PNG", "LA"),  # greyscale + alpha
        (scene(7), "JPEG", "RGB"),  # JPEG photos (SAT)
        (scene(8).convert("CMYK"), "JPEG", "CMYK"),  # CMYK JPEG
        (scene(9), "GIF", "P"),  # GIF
        (scene(10), "WEBP", "RGB"),  # WebP
    ],
)
def test_every_mode_becomes_rgb(image: Image.Image, fmt: str, mode: str) -> None:
    data = encoded(image, fmt)
    out = normalize_image(data)
    decoded = Image.open(io.BytesIO(out.png))
    assert decoded.format == "PNG" and decoded.mode == "RGB" and out.source_mode == mode
    assert np.array_equal(np.asarray(decoded), rgb_pixels(data))


def test_transparent_pixels_become_white_and_rgb_png_is_kept_as_is() -> None:
    rgba = encoded(scene(3, mode="RGBA"), "PNG")
    assert tuple(rgb_pixels(normalize_image(rgba).png)[0, 0]) == (255, 255, 255)
    assert normalize_image(PNG).png == PNG  # already RGB PNG: not re-encoded
