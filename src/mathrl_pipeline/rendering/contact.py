"""A contact sheet: many renders on one image, to eyeball crops and sizes."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw

from .model import RenderResult

_LABEL_H = 14
_GAP = 10


def contact_sheet(results: Sequence[RenderResult], columns: int = 3) -> Image.Image:
    """Renders at their real pixel size, labelled with their id, each in a grey frame.

    The frame is drawn outside the image, so clipped or loose crops are visible.
    """
    tiles = [
        (r.id, Image.open(io.BytesIO(r.png)).convert("RGB")) for r in results if r.ok and r.png
    ]
    if not tiles:
        return Image.new("RGB", (200, 50), "white")
    cell_w = max(img.width for _, img in tiles) + 2
    rows = [tiles[i : i + columns] for i in range(0, len(tiles), columns)]
    row_heights = [max(img.height for _, img in row) + _LABEL_H + 2 for row in rows]
    width = columns * cell_w + (columns + 1) * _GAP
    height = sum(row_heights) + (len(rows) + 1) * _GAP
    sheet = Image.new("RGB", (width, height), (225, 225, 225))
    draw = ImageDraw.Draw(sheet)
    y = _GAP
    for row, row_h in zip(rows, row_heights, strict=True):
        x = _GAP
        for item_id, img in row:
            draw.text((x, y), f"{item_id}  {img.width}x{img.height}", fill=(0, 0, 160))
            top = y + _LABEL_H
            draw.rectangle(
                (x, top, x + img.width + 1, top + img.height + 1), outline=(120, 120, 120)
            )
            sheet.paste(img, (x + 1, top + 1))
            x += cell_w + _GAP
        y += row_h + _GAP
    return sheet
