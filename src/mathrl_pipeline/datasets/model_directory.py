"""A versioned folder holding a Hugging Face model (weights, config, processor), or a Hub id.

``save`` takes a folder path (copied), an object with ``save_pretrained`` (a model bundle) or a
Hub id (recorded in ``model_source.json``, nothing downloaded). ``load`` returns what the Auto
classes take: the versioned folder's path, or the recorded Hub id. No torch import here.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.io.core import AbstractVersionedDataset, DatasetError, Version
from kedro_datasets._typing import JSONPreview

logger = logging.getLogger(__name__)

POINTER_FILE = "model_source.json"


class ModelDirectoryDataset(AbstractVersionedDataset[Any, str]):
    """A model directory on the local filesystem, versioned like any Kedro dataset.

    Example catalog entry::

        base_model:
          type: mathrl_pipeline.datasets.ModelDirectoryDataset
          filepath: data/06_models/base_model
          versioned: true
    """

    def __init__(
        self,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            filepath=PurePosixPath(filepath), version=version, exists_function=self._path_exists
        )
        self.metadata = metadata

    @staticmethod
    def _path_exists(path: str) -> bool:
        return Path(path).is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}

    def _exists(self) -> bool:
        try:
            path = self._get_load_path()
        except DatasetError:
            return False
        return Path(path).is_dir()

    def load(self) -> str:
        """The versioned folder's path, or the Hub id it points to."""
        path = Path(self._get_load_path())
        if not path.is_dir():
            raise DatasetError(f"No model directory at {path}")
        pointer = path / POINTER_FILE
        if pointer.is_file():
            return str(json.loads(pointer.read_text(encoding="utf-8"))["source"])
        return str(path.resolve())

    def preview(self) -> JSONPreview:
        """For kedro-viz: the Hub id, or the folder's files (sizes) and main config fields."""
        from mathrl_pipeline.datasets.previews import model_directory_summary

        path = Path(self._get_load_path())
        pointer = path / POINTER_FILE
        if pointer.is_file():
            summary = {"path": str(path), **json.loads(pointer.read_text(encoding="utf-8"))}
        else:
            summary = model_directory_summary(path)
        return JSONPreview(json.dumps(summary))

    def save(self, data: Any) -> None:
        """Copy a folder, call ``save_pretrained``, or record a Hub id, into a new version."""
        path = Path(self._get_save_path())
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        if hasattr(data, "save_pretrained"):
            data.save_pretrained(str(tmp))
        elif isinstance(data, str | Path) and Path(data).is_dir():
            shutil.copytree(data, tmp)
        elif isinstance(data, str):
            tmp.mkdir(parents=True)
            (tmp / POINTER_FILE).write_text(json.dumps({"source": data}), encoding="utf-8")
        else:
            raise DatasetError(
                f"ModelDirectoryDataset cannot save {type(data).__name__}: give a folder path, a "
                "Hub id or an object with save_pretrained"
            )
        tmp.replace(path)  # a version appears complete or not at all
        logger.info("Saved model directory %s", path)
