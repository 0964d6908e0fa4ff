"""Previews that kedro-viz shows when a dataset is clicked (its ``preview()`` mechanism).

kedro-viz calls a dataset's ``preview()`` and reads the kind of preview from its return
annotation (``TablePreview``, ``ImagePreview``, ``JSONPreview``, ``HTMLPreview`` from
``kedro_datasets._typing``). ``pandas.ParquetDataset.preview`` returns the first rows as they are:
image bytes and nested numpy arrays, which the API cannot serialise (HTTP 500). The datasets here
return instead:

* :class:`ImageParquetDataset` (splits and rendered rows): a PNG grid of the first rows'
  images, each with its question and answer underneath, as the model sees them (a greyscale
  render stays grey);
* :class:`TableParquetDataset` (every other parquet file): the first rows with nested cells as
  short JSON text and binary cells as ``<PNG 224x56, 1.2 kB>``;
* :class:`PreviewImageDataset` (PNG plots): the image; :class:`HTMLTextDataset` (the report):
  the page; :class:`~mathrl_pipeline.datasets.model_directory.ModelDirectoryDataset`: its files
  and config.

Every preview reads only the rows it shows (one parquet batch), never the whole file.
"""

from __future__ import annotations

import base64
import io
import json
import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro.io.core import get_filepath_str
from kedro_datasets._typing import HTMLPreview, ImagePreview, TablePreview
from kedro_datasets.pandas import ParquetDataset
from kedro_datasets.pillow import ImageDataset
from kedro_datasets.text import TextDataset

from mathrl_pipeline.datasets.sliced_parquet import SlicedParquetDataset

MAX_TEXT = 200  # characters of a text cell in a table preview
QUESTION_COLUMNS = ("question", "problem", "latex", "prompt")
ANSWER_COLUMNS = ("solution", "final_answer", "answer", "answer_letter")
IMAGE_COLUMNS = ("image", "images")


def _short(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _image_bytes(value: Any) -> bytes | None:
    """The bytes of an image cell: a ``{bytes, path}`` struct, raw bytes, or the first of a
    list of those (None when the cell holds no image)."""
    if isinstance(value, dict):
        return _image_bytes(value.get("bytes"))
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value) or None
    if isinstance(value, list | tuple | np.ndarray) and len(value):
        return _image_bytes(value[0])
    return None


def describe_bytes(data: bytes) -> str:
    """``<PNG 224x56, 1.2 kB>`` for image bytes, ``<N bytes>`` otherwise."""
    from PIL import Image, UnidentifiedImageError

    size = f"{len(data) / 1000:.1f} kB" if len(data) >= 1000 else f"{len(data)} B"
    try:
        with Image.open(io.BytesIO(data)) as image:
            return f"<{image.format} {image.width}x{image.height}, {size}>"
    except (UnidentifiedImageError, OSError, ValueError):
        return f"<{size} binary>"


def _jsonable(value: Any) -> Any:
    """Nested cells as plain Python (bytes described), for ``json.dumps``."""
    if isinstance(value, bytes | bytearray | memoryview):
        return describe_bytes(bytes(value))
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def preview_cell(value: Any) -> Any:
    """One table cell as kedro-viz can show it: scalars as they are (NaN as None), text cut at
    :data:`MAX_TEXT` characters, binary described, nested values as short JSON text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return describe_bytes(bytes(value))
    if isinstance(value, dict) and set(value) <= {"bytes", "path"} and value.get("bytes"):
        return describe_bytes(bytes(value["bytes"]))
    if isinstance(value, np.ndarray | list | tuple | dict):
        return _short(json.dumps(_jsonable(value), ensure_ascii=False))
    plain = _jsonable(value)
    return _short(plain) if isinstance(plain, str) else plain


def table_preview(frame: pd.DataFrame) -> dict[str, Any]:
    """``frame`` as a ``TablePreview`` (pandas' ``split`` orientation), every cell JSON-safe."""
    return {
        "index": [int(i) if isinstance(i, int | np.integer) else str(i) for i in frame.index],
        "columns": [str(c) for c in frame.columns],
        "data": [[preview_cell(v) for v in row] for row in frame.itertuples(index=False)],
    }


def head_rows(path: str, nrows: int, columns: list[str] | None = None) -> pd.DataFrame:
    """The first ``nrows`` rows of a parquet file, reading one batch (not the whole file)."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path, buffer_size=2**20, pre_buffer=False)
    names = handle.schema_arrow.names
    wanted = [c for c in columns if c in names] if columns else None
    for batch in handle.iter_batches(batch_size=max(1, nrows), columns=wanted):
        return batch.to_pandas().head(nrows)
    return handle.schema_arrow.empty_table().to_pandas()


def _caption_text(value: Any) -> str:
    """A question or answer cell as one line of text (prompts: their last user text)."""
    from mathrl_pipeline.contract import IMAGE_MARKER, plain, prompt_text

    value = plain(value)
    if isinstance(value, list):  # a chat prompt: its last line of text
        lines = [line.strip() for line in prompt_text(value).splitlines()]
        lines = [line for line in lines if line and line != IMAGE_MARKER]
        return lines[-1] if lines else ""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).replace("\n", " ").strip()


def _first(row: pd.Series, names: tuple[str, ...]) -> str:
    for name in names:
        if name in row.index:
            text = _caption_text(row[name])
            if text:
                return text
    return ""


PANEL_ASPECT = 1.5  # width / height of kedro-viz's preview box (300 px high, full width)


def _columns(count: int, cell_w: int, cell_h: int) -> int:
    """The column count whose grid is closest in shape to kedro-viz's preview box."""
    def misfit(cols: int) -> float:
        return abs(math.log(cols * cell_w / (math.ceil(count / cols) * cell_h) / PANEL_ASPECT))

    return min(range(1, count + 1), key=misfit)


def image_grid(frame: pd.DataFrame, columns: int | None = None,
               thumbnail_width: int = 360) -> bytes:
    """A PNG grid of the rows' images, each above its question (``Q:``) and answer (``A:``).

    Images keep their own colours (a greyscale render shows grey, not a colour map); a row with
    no image shows ``(no image)``. ``columns`` None: the count that makes the grid's shape
    closest to kedro-viz's preview box, and the sheet is padded to that shape (the box stretches
    an image to fill it).
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=14)
    line_height, pad, chars = 18, 8, max(20, thumbnail_width // 8)
    cards = []
    for _, row in frame.iterrows():
        data = next((_image_bytes(row[c]) for c in IMAGE_COLUMNS
                     if c in row.index and _image_bytes(row[c])), None)
        thumb = None
        if data is not None:
            with Image.open(io.BytesIO(data)) as opened:
                thumb = opened.convert("RGB")
            if thumb.width > thumbnail_width:
                height = max(1, round(thumb.height * thumbnail_width / thumb.width))
                thumb = thumb.resize((thumbnail_width, height), Image.Resampling.LANCZOS)
        lines = []
        for label, names in (("Q", QUESTION_COLUMNS), ("A", ANSWER_COLUMNS)):
            text = _short(_first(row, names), 3 * chars) or "-"
            wrapped = textwrap.wrap(f"{label}: {text}", chars)[:3]
            lines.extend(wrapped)
        if "id" in row.index:
            lines.insert(0, _short(str(row["id"]), chars))
        cards.append((thumb, lines))
    if not cards:
        cards.append((None, ["(no rows)"]))
    image_height = max((t.height for t, _ in cards if t is not None), default=20)
    text_height = max(len(lines) for _, lines in cards) * line_height
    cell_w, cell_h = thumbnail_width + 2 * pad, image_height + text_height + 3 * pad
    ncols = max(1, min(columns or _columns(len(cards), cell_w, cell_h), len(cards)))
    nrows = math.ceil(len(cards) / ncols)
    width, height = ncols * cell_w, nrows * cell_h
    if columns is None:  # pad to the box's shape: nothing is stretched
        width, height = max(width, round(height * PANEL_ASPECT)), max(height,
                                                                     round(width / PANEL_ASPECT))
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (thumb, lines) in enumerate(cards):
        x, y = (i % ncols) * cell_w + pad, (i // ncols) * cell_h + pad
        draw.rectangle([x - pad // 2, y - pad // 2, x + thumbnail_width + pad // 2,
                        y + cell_h - 2 * pad], outline=(200, 200, 200))
        if thumb is not None:
            sheet.paste(thumb, (x, y))
            draw.rectangle([x - 1, y - 1, x + thumb.width, y + thumb.height],
                           outline=(120, 120, 120))
        else:
            draw.text((x, y), "(no image)", fill=(150, 150, 150), font=font)
        for j, line in enumerate(lines):
            draw.text((x, y + image_height + pad + j * line_height), line, fill="black",
                      font=font)
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class ImageParquetDataset(SlicedParquetDataset):
    """:class:`SlicedParquetDataset` (rows with images) whose kedro-viz preview is a grid of the
    first rows' images with their question and answer. Files carry Hugging Face feature metadata
    (``hf_features``, default true: ``image`` typed ``datasets.Image()``), so that
    ``datasets.load_dataset("parquet", data_files=...)`` returns PIL images.

    Example catalog entry::

        "{task}_train":
          type: mathrl_pipeline.datasets.ImageParquetDataset
          filepath: data/05_model_input/{task}_train.parquet
          metadata:
            kedro-viz:
              layer: model_input
              preview_args: {nrows: 6, columns: 2}
    """

    def __init__(self, *, hf_features: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hf_features = hf_features

    def _final_schema(self, schema: Any) -> Any:
        if not self._hf_features:
            return schema
        from mathrl_pipeline.datasets.hf_features import with_image_features

        return with_image_features(schema)

    def preview(self, nrows: int = 6, columns: int | None = None,
                thumbnail_width: int = 360) -> ImagePreview:
        """The first ``nrows`` rows as a PNG grid (base64), ``columns`` thumbnails a row (None:
        as many as fit kedro-viz's preview box best, see :func:`image_grid`)."""
        path = get_filepath_str(self._get_load_path(), self._protocol)
        frame = head_rows(path, nrows, ["id", *IMAGE_COLUMNS, *QUESTION_COLUMNS,
                                        *ANSWER_COLUMNS])
        png = image_grid(frame, columns, thumbnail_width)
        return ImagePreview(base64.b64encode(png).decode("ascii"))


class TableParquetDataset(ParquetDataset):
    """``pandas.ParquetDataset`` whose kedro-viz preview shows nested and binary cells as text
    (the parent's preview returns numpy arrays and bytes, which the viz API cannot send)."""

    def preview(self, nrows: int = 5) -> TablePreview:
        """The first ``nrows`` rows, every cell JSON-safe (see :func:`preview_cell`)."""
        path = get_filepath_str(self._get_load_path(), self._protocol)
        return TablePreview(table_preview(head_rows(path, nrows,
                                                    self._load_args.get("columns"))))


class PreviewImageDataset(ImageDataset):
    """``pillow.ImageDataset`` with the image as its kedro-viz preview."""

    def preview(self) -> ImagePreview:
        """The saved image file, base64."""
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, mode="rb") as handle:
            return ImagePreview(base64.b64encode(handle.read()).decode("ascii"))


class HTMLTextDataset(TextDataset):
    """``text.TextDataset`` holding an HTML page, shown as the page in kedro-viz."""

    def preview(self) -> HTMLPreview:
        """The saved page."""
        path = get_filepath_str(self._get_load_path(), self._protocol)
        with self._fs.open(path, mode="r", encoding="utf-8") as handle:
            return HTMLPreview(handle.read())


def model_directory_summary(path: Path) -> dict[str, Any]:
    """Files (with sizes) and the main config fields of a saved model folder."""
    files = {
        str(p.relative_to(path)): f"{p.stat().st_size / 1e6:.2f} MB"
        for p in sorted(path.rglob("*")) if p.is_file()
    }
    summary: dict[str, Any] = {"path": str(path), "files": files}
    config = path / "config.json"
    if config.is_file():
        data = json.loads(config.read_text(encoding="utf-8"))
        text = data.get("text_config", data)
        keys = ("model_type", "architectures", "hidden_size", "num_hidden_layers",
                "num_attention_heads", "vocab_size")
        summary["config"] = {k: text.get(k, data.get(k)) for k in keys
                             if k in text or k in data}
    return summary
