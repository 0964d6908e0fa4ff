import json
from pathlib import Path

import pandas as pd
import pytest

from mathrl_pipeline.tasks.ingest import (
    SampleParams,
    SourceError,
    SourceParams,
    load_rows,
    load_source,
    sample_rows,
)


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
        load_source(source, param_name="deepmath.source.path")
    assert "deepmath.source.path" in str(info.value)


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
    assert frame.to_dict("records")[0] == {"question": "q0", "final_answer": "0"}


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (SampleParams(n=9), {"a": 6, "b": 2, "c": 1}),  # n >= rows: everything
        (SampleParams(n=6, by="kind"), {"a": 3, "b": 2, "c": 1}),  # balanced, small groups whole
        (SampleParams(n=3, by="kind"), {"a": 1, "b": 1, "c": 1}),  # one of each
    ],
)
def test_sampling(sample: SampleParams, expected: dict[str, int]) -> None:
    frame = pd.DataFrame({"kind": list("aaaaaabbc"), "source_row": range(9)})
    out = sample_rows(frame, sample, "task.source.sample")
    assert out["kind"].value_counts().to_dict() == expected
    assert list(out["source_row"]) == sorted(out["source_row"])  # source order kept


def test_uniform_sample_is_seeded() -> None:
    frame = pd.DataFrame({"source_row": range(50)})
    one = sample_rows(frame, SampleParams(n=10, seed=1), "s")
    assert list(one["source_row"]) == list(sample_rows(frame, SampleParams(n=10, seed=1), "s")
                                           ["source_row"])
    assert list(one["source_row"]) != list(sample_rows(frame, SampleParams(n=10, seed=2), "s")
                                           ["source_row"])


def test_columns_map_to_task_fields_with_aliases(tmp_path: Path) -> None:
    # SAT's two uploads name the image column differently: one mapping reads both
    for column in ("image_bytes", "images"):
        path = tmp_path / f"{column}.parquet"
        pd.DataFrame({column: [[b"x"]], "question": ["q"]}).to_parquet(path)
        source = SourceParams(path=str(path), columns={"images": ["image_bytes", "images"],
                                                       "question": "question", "topic": None})
        rows = load_rows(pd.DataFrame(), source, "sat")
        assert list(rows.columns) == ["images", "question", "topic", "source_row"]
        assert rows.loc[0, "topic"] is None


def test_missing_column_names_the_parameter(tmp_path: Path) -> None:
    path = tmp_path / "rows.parquet"
    pd.DataFrame(_rows()).to_parquet(path)
    source = SourceParams(path=str(path), columns={"answer": "final_answr"})
    with pytest.raises(SourceError, match=r"deepmath\.source\.columns\.answer.*final_answr"):
        load_rows(pd.DataFrame(), source, "deepmath")


def test_embedded_rows_take_limit_and_mapping() -> None:
    embedded = pd.DataFrame(_rows())
    rows = load_rows(embedded, SourceParams(limit=2, columns={"answer": "final_answer"}), "t")
    assert rows.to_dict("records") == [{"answer": "0", "source_row": 0},
                                       {"answer": "1", "source_row": 1}]
