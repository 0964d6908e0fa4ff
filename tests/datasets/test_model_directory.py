"""ModelDirectoryDataset: versioned folders, Hub-id pointers, objects with save_pretrained."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.io.core import DatasetError, Version

from mathrl_pipeline.datasets import ModelDirectoryDataset


class _Saveable:
    def save_pretrained(self, path: str) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "config.json").write_text("{}")


def test_folder_copy_and_versions(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "config.json").write_text("{}")
    dataset = ModelDirectoryDataset(str(tmp_path / "models" / "m"), version=Version(None, None))
    assert not dataset.exists()
    dataset.save(str(source))
    loaded = Path(dataset.load())
    assert (loaded / "config.json").is_file() and loaded.name == "m"
    assert dataset.exists()


def test_hub_id_and_save_pretrained(tmp_path: Path) -> None:
    hub = ModelDirectoryDataset(str(tmp_path / "hub"), version=Version(None, None))
    hub.save("Qwen/Qwen2.5-VL-3B-Instruct")
    assert hub.load() == "Qwen/Qwen2.5-VL-3B-Instruct"
    obj = ModelDirectoryDataset(str(tmp_path / "obj"), version=Version(None, None))
    obj.save(_Saveable())
    assert (Path(obj.load()) / "config.json").is_file()
    with pytest.raises(DatasetError):
        ModelDirectoryDataset(str(tmp_path / "bad"), version=Version(None, None)).save(3)
