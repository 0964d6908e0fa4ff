"""Ingestion: mirror folders resolved as the Hub does, streamed reads, limit / sample, aliases,
Hub ids through a `datasets` stream, and no fallback to embedded rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mathrl_pipeline.tasks import sources
from mathrl_pipeline.tasks.ingest import (
    SampleParams,
    SourceError,
    SourceParams,
    load_rows,
    sample_positions,
)
from tests.fixtures import hub_layouts as hub


def _rows() -> list[dict]:
    return [{"question": f"q{i}", "final_answer": str(i)} for i in range(5)]


def _load(path: Path | str, **fields: Any) -> pd.DataFrame:
    rows, _ = load_rows(pd.DataFrame(), SourceParams(path=str(path), **fields), "t")
    return rows


def _write(path: Path, fmt: str) -> Path:
    frame = pd.DataFrame(_rows())
    if fmt == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in _rows()))
    elif fmt == "json":
        path.write_text(json.dumps(_rows()))
    elif fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    return path


@pytest.mark.parametrize("fmt", [
    "jsonl",  # one record per line
    "json",  # a list of records
    "csv",  # header + rows (answers stay strings)
    "parquet",  # a plain pandas parquet
])
def test_local_files_and_limit(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path / f"rows.{fmt}", fmt)
    rows = _load(path, limit=3)
    assert rows[["question", "final_answer"]].values.tolist() == [["q0", "0"], ["q1", "1"],
                                                                   ["q2", "2"]]
    assert rows["source_row"].tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("layout", "split", "name", "expected"),
    [
        # array/SAT: card configs name one file per split; val is read without train
        ("sat", "val", None, ["SAT_val.parquet"]),
        # array/SAT's split "static" (no Hub default pattern knows it)
        ("sat", "static", None, ["SAT_static.parquet"]),
        # array/SAT-v2: push_to_hub shards data/<split>-*
        ("sat_v2", "train", None, ["data/train-00000-of-00002.parquet",
                                   "data/train-00001-of-00002.parquet"]),
        # CV-Bench default config: both halves, parquet preferred over the jsonl beside them
        ("cvbench", "test", None, ["test_2d.parquet", "test_3d.parquet"]),
        # CV-Bench config 2D
        ("cvbench", "test", "2D", ["test_2d.parquet"]),
        # im2latex-100k: no YAML configs, hashed shard names found by the Hub's defaults
        ("im2latex", "val", None, ["data/val-00000-of-00001-"]),
        # linxy/LaTeX_OCR: a named config in its own folder
        ("linxy", "validation", "human_handwrite",
         ["human_handwrite/validation-00000-of-00001.parquet"]),
        # SAT's file names without a card: the *_<split>.parquet convention
        ("sat_no_card", "static", None, ["SAT_static.parquet"]),
    ],
)
def test_mirror_split_files(tmp_path: Path, layout: str, split: str, name: str | None,
                            expected: list[str]) -> None:
    folder = tmp_path / layout
    if layout.startswith("sat") and layout != "sat_v2":
        hub.write_sat_mirror(folder, {"train": 2, "static": 2, "val": 2})
        (folder / "SAT_train.parquet").write_bytes(b"not parquet: never opened for val/static")
        if layout == "sat_no_card":
            (folder / "README.md").unlink()
    elif layout == "sat_v2":
        hub.write_sat_v2_mirror(folder, {"train": 6, "val": 2})
    elif layout == "cvbench":
        hub.write_cvbench_mirror(folder)
    elif layout == "im2latex":
        hub.write_im2latex_mirror(folder, {"train": 2, "val": 2, "test": 2})
    else:
        hub.write_linxy_latex_ocr_mirror(folder, {"train": 2, "validation": 2})
    location = sources.resolve(str(folder), split, name, None, "t.source")
    files = [str(f.relative_to(folder)) for f in location.files]
    assert len(files) == len(expected)
    assert all(f.startswith(e) for f, e in zip(files, expected, strict=True))
    assert len(_load(folder, split=split, name=name)) > 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        # no source at all
        ({"path": ""}, r"t\.source\.path is empty"),
        # a local file that is not there
        ({"path": "missing/file.jsonl"}, r"t\.source\.path: local file .* does not exist"),
        # a split the mirror does not have: the splits found are listed
        ({"split": "validation"}, r"t\.source\.split: no files of split 'validation'.*test"),
        # a config the card does not have
        ({"name": "4D"}, r"t\.source\.name: no config '4D'.*2D"),
        # a column alias list none of which exists
        ({"columns": {"answer": ["gold", "label"]}}, r"t\.source\.columns\.answer: none of"),
        # balancing on a field that is not mapped
        ({"sample": {"n": 1, "by": "kind"}}, r"t\.source\.sample\.by: no field 'kind'"),
    ],
)
def test_bad_sources_name_the_parameter(tmp_path: Path, fields: dict, message: str) -> None:
    hub.write_cvbench_mirror(tmp_path / "cv")
    base = {"path": str(tmp_path / "cv"), "split": "test", "columns": {"idx": "idx"}}
    with pytest.raises(SourceError, match=message):
        _load(**{**base, **fields})


def test_only_needed_columns_are_read_in_bounded_batches(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # DeepMath's r1_solution_* text is never read; batches stay small whatever the row group
    folder = hub.write_deepmath_mirror(tmp_path / "dm", hub.deepmath_rows(60, 4000), shards=2,
                                       row_group=30)
    calls: list[dict] = []
    real = pq.ParquetFile.iter_batches

    def spy(self: pq.ParquetFile, *args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    monkeypatch.setattr(sources, "BATCH_BYTES", 600)  # a few rows of question + answer
    rows = _load(folder, columns={"question": "question", "answer": "final_answer"})
    assert len(rows) == 60 and rows["source_row"].tolist() == list(range(60))
    assert {tuple(c["columns"]) for c in calls} == {("question", "final_answer")}
    assert all(c["batch_size"] < 30 for c in calls)


def test_limit_stops_reading(tmp_path: Path) -> None:
    # the second shard is corrupt: a limit inside the first one never opens it
    folder = hub.write_deepmath_mirror(tmp_path / "dm", hub.deepmath_rows(20), shards=2)
    (folder / "data/train-00001-of-00002.parquet").write_bytes(b"corrupt")
    rows = _load(folder, limit=7, columns={"question": "question"})
    assert rows["question"].tolist() == [r["question"] for r in hub.deepmath_rows(7)]


def test_sample_is_drawn_while_reading(tmp_path: Path) -> None:
    # balanced over question_type; the same rows as sampling the loaded split would give
    written = hub.write_sat_mirror(tmp_path / "sat", {"train": 24}, dynamic_every=2)["train"]
    columns = {"images": ["image_bytes", "images"], "question_type": "question_type"}
    sample = SampleParams(n=6, by="question_type", seed=3)
    rows = _load(tmp_path / "sat", columns=columns, sample=sample)
    keys = pd.Series([r["question_type"] for r in written])
    assert rows["source_row"].tolist() == sample_positions(keys, sample)
    assert rows["question_type"].value_counts().to_dict() == {"other": 3, "obj_movement": 3}
    for row in rows.to_dict("records"):
        assert row["images"] == written[row["source_row"]]["image_bytes"]


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (SampleParams(n=9), {"a": 6, "b": 2, "c": 1}),  # n >= rows: everything
        (SampleParams(n=6, by="kind"), {"a": 3, "b": 2, "c": 1}),  # balanced, small groups whole
        (SampleParams(n=3, by="kind"), {"a": 1, "b": 1, "c": 1}),  # one of each
    ],
)
def test_sampling(sample: SampleParams, expected: dict[str, int]) -> None:
    keys = pd.Series(list("aaaaaabbc"))
    picked = sample_positions(keys, sample)
    chosen = keys if picked is None else keys.loc[picked]
    assert chosen.value_counts().to_dict() == expected
    assert picked is None or picked == sorted(picked)  # source order kept


def test_uniform_sample_is_seeded() -> None:
    keys = pd.Series(0, index=range(50))
    one = sample_positions(keys, SampleParams(n=10, seed=1))
    assert one == sample_positions(keys, SampleParams(n=10, seed=1))
    assert one != sample_positions(keys, SampleParams(n=10, seed=2))


@pytest.mark.parametrize(
    ("layout", "column"),
    [
        ("sat", "image_bytes"),  # array/SAT: list<binary> of JPEG
        ("sat_v2", "images"),  # array/SAT-v2: List(Image()) structs
    ],
)
def test_sat_image_column_aliases(tmp_path: Path, layout: str, column: str) -> None:
    writer = hub.write_sat_mirror if layout == "sat" else hub.write_sat_v2_mirror
    written = writer(tmp_path / layout, {"val": 3})["val"]
    rows, info = load_rows(pd.DataFrame(), SourceParams(
        path=str(tmp_path / layout), split="val",
        columns={"images": ["image_bytes", "images"], "question": "question", "topic": None}),
        "sat")
    assert list(rows.columns) == ["images", "question", "topic", "source_row"]
    assert info["columns"]["images"] == column and info["kind"] == "mirror"
    first = rows.loc[0, "images"][0]
    assert (first if layout == "sat" else first["bytes"]) == written[0]["image_bytes"][0]
    assert rows.loc[0, "topic"] is None


def test_optional_alias_list_ending_in_null(tmp_path: Path) -> None:
    path = _write(tmp_path / "rows.jsonl", "jsonl")
    rows = _load(path, columns={"formula": "question", "image": ["image", None]})
    assert rows["image"].isna().all() and len(rows) == 5


def test_rewritten_mirror_is_read_afresh(tmp_path: Path) -> None:
    # no cache: the second run sees the new rows of a mirror rewritten in place
    folder = tmp_path / "dm"
    hub.write_deepmath_mirror(folder, hub.deepmath_rows(4), shards=1)
    first = _load(folder, columns={"question": "question"})["question"].tolist()
    rewritten = [{**r, "question": r["question"] + " (revised)"} for r in hub.deepmath_rows(4)]
    hub.write_deepmath_mirror(folder, rewritten, shards=1)
    second = _load(folder, columns={"question": "question"})["question"].tolist()
    assert second == [q + " (revised)" for q in first]


def test_embedded_rows_take_limit_and_mapping() -> None:
    embedded = pd.DataFrame(_rows())
    rows, info = load_rows(embedded, SourceParams(limit=2, columns={"answer": "final_answer"}),
                           "t")
    assert rows.to_dict("records") == [{"answer": "0", "source_row": 0},
                                       {"answer": "1", "source_row": 1}]
    assert info["kind"] == "embedded"


def test_real_source_never_reads_the_embedded_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "rows.jsonl", "jsonl")
    embedded = pd.DataFrame([{"question": "generated", "final_answer": "0"}] * 9)
    rows, info = load_rows(embedded, SourceParams(path=str(path)), "t")
    assert "generated" not in set(rows["question"]) and info["kind"] == "file"


def test_offline_hub_id_names_the_id_and_the_mirror_parameter(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(SourceError) as info:
        load_rows(pd.DataFrame(), SourceParams(path="leonardPKU/clevr_cogen_a_train"), "hf_vqa")
    assert "leonardPKU/clevr_cogen_a_train" in str(info.value)
    assert "hf_vqa.source.path" in str(info.value)


def test_hub_id_is_streamed_with_revision_and_split(monkeypatch: pytest.MonkeyPatch) -> None:
    # The Hub cannot be reached here: only `datasets.load_dataset` is faked, by a local stream
    # with an Image feature; the reader must ask for streaming and leave images undecoded.
    import datasets

    png = hub.encoded(hub.scene(1), "PNG")
    features = datasets.Features({"image": datasets.Image(), "problem": datasets.Value("string")})
    local = datasets.Dataset.from_dict(
        {"image": [{"bytes": png, "path": None}] * 700, "problem": [f"p{i}" for i in range(700)]},
        features=features).to_iterable_dataset()
    calls: list[dict] = []

    def fake_load_dataset(path: str, **kwargs: object) -> datasets.IterableDataset:
        calls.append({"path": path, **kwargs})
        return local

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    rows, info = load_rows(pd.DataFrame(), SourceParams(
        path="leonardPKU/clevr_cogen_a_train", revision="abc123", limit=600,
        columns={"image": "image", "question": "problem"}), "hf_vqa")
    assert calls[-1] == {"path": "leonardPKU/clevr_cogen_a_train", "name": None,
                         "split": "train", "revision": "abc123", "streaming": True}
    assert len(rows) == 600 and rows.loc[599, "question"] == "p599"
    assert rows.loc[0, "image"]["bytes"] == png  # undecoded: bytes as stored
    assert info == {"kind": "hub", "path": "leonardPKU/clevr_cogen_a_train", "split": "train",
                    "revision": "abc123", "rows": 600,
                    "columns": {"image": "image", "question": "problem"}}


def test_an_unreadable_shard_is_an_error_naming_it(tmp_path: Path) -> None:
    # a corrupt file within the rows asked for stops the stage with its path, not a bare Arrow error
    folder = hub.write_deepmath_mirror(tmp_path / "dm", hub.deepmath_rows(20), shards=2)
    shard = folder / "data/train-00001-of-00002.parquet"
    shard.write_bytes(b"corrupt")
    with pytest.raises(SourceError, match=f"{shard}: not a readable parquet file"):
        _load(folder, columns={"question": "question"})
