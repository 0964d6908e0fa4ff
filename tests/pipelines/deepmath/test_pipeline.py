"""The `deepmath` pipeline end to end through a KedroSession, on the embedded default."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from tests.kedro_helpers import latest_version as _latest
from tests.kedro_helpers import run_pipelines


def _run(project_root: Path, data_dir: Path, **extra: object) -> None:
    run_pipelines(project_root, data_dir, ["deepmath"], extra)


@pytest.mark.slow
def test_deepmath_pipeline_on_embedded_default(project_root: Path, tmp_path: Path) -> None:
    _run(project_root, tmp_path, **{"deepmath.embedded.count": 24, "deepmath.split.seed": 3})
    train = pd.read_parquet(_latest(tmp_path / "05_model_input" / "deepmath_train.parquet"))
    test = pd.read_parquet(_latest(tmp_path / "05_model_input" / "deepmath_test.parquet"))
    rejects = pd.read_parquet(_latest(tmp_path / "08_reporting" / "deepmath_rejects.parquet"))
    assert len(train) + len(test) + len(rejects) == 24
    assert len(train) >= 18 and len(test) >= 1
    row = train.iloc[0]
    image = Image.open(io.BytesIO(row["image"]["bytes"]))
    assert image.width <= 750 and image.height > 10
    assert {"prompt", "image", "solution", "id", "question", "difficulty", "topic"} <= set(
        train.columns
    )
    # the split loads as a Hugging Face dataset with a decoded image, as GRPOTrainer wants it
    import datasets

    ds = datasets.Dataset.from_pandas(train).cast_column("image", datasets.Image())
    assert ds[0]["image"].size == image.size
    assert ds[0]["prompt"][1]["content"][0]["type"] == "image"


@pytest.mark.slow
def test_bad_rows_become_rejects_not_crashes(project_root: Path, tmp_path: Path) -> None:
    source = tmp_path / "hostile.jsonl"
    rows = [
        {"question": "What is $2+2$?", "final_answer": "4"},
        {"question": "Read \\input{/etc/passwd} please", "final_answer": "1"},
        {"question": "\\def\\x{\\x}\\x", "final_answer": "1"},
        {"question": "", "final_answer": "1"},
        {"question": "Compute $\\frac{1}{2}+\\frac{1}{3}$.", "final_answer": "\\frac{5}{6}"},
    ]
    pd.DataFrame(rows).to_json(source, orient="records", lines=True)
    # a local file with only a question and an answer: the optional fields map to nothing
    _run(project_root, tmp_path / "data", **{"deepmath.source.path": str(source),
                                              "deepmath.source.columns.difficulty": None,
                                              "deepmath.source.columns.topic": None,
                                              "deepmath.render.timeout_s": 20})
    data = tmp_path / "data"
    rejects = pd.read_parquet(_latest(data / "08_reporting" / "deepmath_rejects.parquet"))
    train = pd.read_parquet(_latest(data / "05_model_input" / "deepmath_train.parquet"))
    test = pd.read_parquet(_latest(data / "05_model_input" / "deepmath_test.parquet"))
    assert sorted(rejects["row_id"]) == ["deepmath-1", "deepmath-2", "deepmath-3"]
    assert all(reason for reason in rejects["reason"])
    assert len(train) + len(test) == 2


@pytest.mark.slow
def test_rerun_with_only_missing_outputs_reuses_outputs(project_root: Path, tmp_path: Path) -> None:
    _run(project_root, tmp_path, **{"deepmath.embedded.count": 8})
    run_pipelines(
        project_root, tmp_path, ["deepmath"], {"deepmath.embedded.count": 8},
        only_missing_outputs=True,
    )
    versions = list((tmp_path / "05_model_input" / "deepmath_train.parquet").iterdir())
    assert len(versions) == 1  # nothing was recomputed, so no second version was written
