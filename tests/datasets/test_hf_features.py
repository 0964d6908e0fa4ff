"""Splits that `datasets.load_dataset("parquet", data_files=...)` opens with images decoded."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from mathrl_pipeline.datasets import ImageParquetDataset
from tests.evaluation.helpers import make_split, png_cell
from tests.kedro_helpers import latest_version


def _load(path: Path):
    import datasets

    return datasets.load_dataset("parquet", data_files=str(path), split="train",
                                 cache_dir=str(path.parent / "hf_cache"))


def test_saved_split_opens_with_pil_images_and_reads_back_the_same(tmp_path: Path) -> None:
    split = make_split(5)
    split["images"] = [[png_cell("a"), png_cell("b")]] * 5
    path = tmp_path / "s.parquet"
    dataset = ImageParquetDataset(filepath=str(path), rows_per_slice=2)
    dataset.save(split)
    meta = json.loads(pq.read_schema(path).metadata[b"huggingface"])
    assert meta["info"]["features"]["image"] == {"_type": "Image"}
    loaded = _load(path)
    assert isinstance(loaded[0]["image"], Image.Image) and loaded[0]["image"].size == (112, 56)
    assert all(isinstance(i, Image.Image) for i in loaded[0]["images"])
    assert loaded[3]["question"] == split.loc[3, "question"]
    back = dataset.load()  # pandas still reads it as before
    assert back["image"][0]["bytes"] == split["image"][0]["bytes"]
    assert back[["id", "solution"]].equals(split[["id", "solution"]].astype(back["id"].dtype))


def test_feature_metadata_can_be_switched_off(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    ImageParquetDataset(filepath=str(path), hf_features=False).save(make_split(2))
    assert b"huggingface" not in (pq.read_schema(path).metadata or {})


@pytest.mark.slow
def test_produced_splits_open_with_pil_images(small_default_run: tuple[Path, str]) -> None:
    data_dir, _ = small_default_run
    for name in ("arith_train", "arith_test", "deepmath_train", "deepmath_test"):
        loaded = _load(latest_version(data_dir / "05_model_input" / f"{name}.parquet"))
        assert isinstance(loaded[0]["image"], Image.Image), name
        assert loaded[0]["image"].mode in ("L", "RGB") and loaded.num_rows > 0, name
