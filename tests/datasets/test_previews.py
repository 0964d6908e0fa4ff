"""kedro-viz previews of the project's datasets, on small files (no Kedro run)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
from kedro.io import Version
from PIL import Image

from mathrl_pipeline.datasets import (
    HTMLTextDataset,
    ImageParquetDataset,
    ModelDirectoryDataset,
    TableParquetDataset,
)
from tests.evaluation.helpers import make_split


def _grey_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (128, 128, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_split_preview_is_a_png_grid_in_true_colours(tmp_path: Path) -> None:
    split = make_split(5)
    split.at[0, "image"] = {"bytes": _grey_png(), "path": None}
    dataset = ImageParquetDataset(filepath=str(tmp_path / "s.parquet"), version=Version(None, None))
    dataset.save(split)
    grid = Image.open(io.BytesIO(base64.b64decode(dataset.preview(nrows=3, columns=2))))
    assert grid.format == "PNG" and grid.mode == "RGB"
    pixels = np.asarray(grid).reshape(-1, 3)
    grey = (pixels == 128).all(axis=1)
    assert grey.sum() >= 100 * 30  # the grey render shown grey, not in false colour
    assert not (np.ptp(pixels[~grey], axis=1) > 40).any()  # nothing coloured was added


def test_nested_table_preview_is_json_safe(tmp_path: Path) -> None:
    split = make_split(3)
    split["scores"] = [np.array([1.0, np.nan]), np.array([]), np.array([2.0])]
    dataset = TableParquetDataset(filepath=str(tmp_path / "t.parquet"))
    split.to_parquet(tmp_path / "t.parquet")
    preview = dataset.preview(nrows=2)
    json.dumps(preview, allow_nan=False)  # serialises as the viz API sends it
    row = dict(zip(preview["columns"], preview["data"][0], strict=True))
    assert row["image"].startswith("<PNG 112x56")
    assert row["prompt"].startswith('[{"role": "system"')
    assert row["scores"] == "[1.0, null]" and len(preview["data"]) == 2


def test_html_and_model_directory_previews(tmp_path: Path) -> None:
    page = HTMLTextDataset(filepath=str(tmp_path / "r.html"))
    page.save("<html><body>report</body></html>")
    assert "report" in page.preview()
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen2_5_vl",
                                                    "text_config": {"hidden_size": 64}}))
    models = ModelDirectoryDataset(str(tmp_path / "m"), version=Version(None, None))
    models.save(str(folder))
    summary = json.loads(models.preview())
    assert summary["config"] == {"model_type": "qwen2_5_vl", "hidden_size": 64}
    assert "config.json" in summary["files"]
    hub = ModelDirectoryDataset(str(tmp_path / "h"), version=Version(None, None))
    hub.save("org/model")
    assert json.loads(hub.preview())["source"] == "org/model"
