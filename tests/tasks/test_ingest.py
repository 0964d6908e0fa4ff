import json
from pathlib import Path

import pandas as pd
import pytest

from mathrl_pipeline.tasks import ingest
from mathrl_pipeline.tasks.ingest import SourceError, load_source


def _rows() -> list[dict]:
    return [{"question": f"q{i}", "final_answer": str(i)} for i in range(5)]


def test_local_jsonl_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in _rows()))
    frame = load_source(str(path), limit=3)
    assert list(frame["question"]) == ["q0", "q1", "q2"]


def test_local_parquet(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pd.DataFrame(_rows()).to_parquet(path)
    frame = load_source(str(path))
    assert len(frame) == 5 and set(frame.columns) == {"question", "final_answer"}


def test_local_mirror_folder(tmp_path: Path) -> None:
    # a local mirror of a Hub dataset: a folder with data files, loaded by `datasets`
    mirror = tmp_path / "DeepMath-103K" / "data"
    mirror.mkdir(parents=True)
    pd.DataFrame(_rows()).to_parquet(mirror / "train-00000-of-00001.parquet")
    frame = load_source(str(tmp_path / "DeepMath-103K"), split="train")
    assert len(frame) == 5


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "is empty"),  # no source at all
        ("missing/file.jsonl", "does not exist"),  # a local path that is not there
    ],
)
def test_bad_sources_name_the_parameter(source: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as info:
        load_source(source, param_name="deepmath.source")
    assert "deepmath.source" in str(info.value)


def test_hub_id_passes_revision_and_split(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Hub cannot be reached here: only the call into `datasets.load_dataset` is faked;
    # the local-file path above runs the real loader.
    import datasets

    calls: list[dict] = []

    def fake_load_dataset(path: str, **kwargs: object) -> datasets.Dataset:
        calls.append({"path": path, **kwargs})
        return datasets.Dataset.from_list(_rows())

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    frame = load_source("zwhe99/DeepMath-103K", split="train", revision="abc123", limit=2)
    assert calls == [
        {"path": "zwhe99/DeepMath-103K", "name": None, "split": "train", "revision": "abc123"}
    ]
    assert len(frame) == 2
    assert ingest.records(frame)[0] == {"question": "q0", "final_answer": "0"}
