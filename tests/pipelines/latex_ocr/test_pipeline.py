"""The `latex_ocr` pipeline end to end through a KedroSession: the embedded default, and local
mirrors in im2latex-100k's and linxy/LaTeX_OCR's true Hub layouts (rendered or own images)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from PIL import Image

from mathrl_pipeline.rewards.ocr import normalize_latex as normalize_formula
from tests.fixtures import hub_layouts as hub
from tests.kedro_helpers import run_pipelines


def _latest(folder: Path) -> Path:
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    return versions[-1] / folder.name


@pytest.mark.slow
def test_latex_ocr_pipeline_on_embedded_default(project_root: Path, tmp_path: Path) -> None:
    # kedro-mlflow's hook refuses its default file store unless this is set (see README)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    bootstrap_project(project_root)
    runtime = {"data_dir": str(tmp_path),
               "latex_ocr": {"embedded": {"count": 12, "malformed_rows": 4}}}
    with KedroSession.create(project_path=project_root, runtime_params=runtime) as session:
        session.run(pipeline_names=["latex_ocr"])
    train = pd.read_parquet(_latest(tmp_path / "05_model_input" / "latex_ocr_train.parquet"))
    test = pd.read_parquet(_latest(tmp_path / "05_model_input" / "latex_ocr_test.parquet"))
    rejects = pd.read_parquet(_latest(tmp_path / "08_reporting" / "latex_ocr_rejects.parquet"))
    report = json.loads(_latest(tmp_path / "08_reporting" / "latex_ocr_report.json").read_text())
    render = json.loads(
        _latest(tmp_path / "08_reporting" / "latex_ocr_render_report.json").read_text())
    assert len(train) + len(test) == 12 and render["rendered"] == 12
    assert sum(report["rows_kept"].values()) == 12
    assert sorted(rejects["reason"]) == ["empty_after_normalize", "empty_formula",
                                         "empty_formula", "render_failed"]
    row = train.iloc[0]
    assert row["answer_type"] == "latex" and "\\label" not in row["solution"]
    assert Image.open(io.BytesIO(row["image"]["bytes"])).width <= 750


def _outputs(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Kept rows (train + test), rejects and render report of a `latex_ocr` run."""
    kept = pd.concat([pd.read_parquet(_latest(data / "05_model_input" / f"latex_ocr_{s}.parquet"))
                      for s in ("train", "test")], ignore_index=True)
    rejects = pd.read_parquet(_latest(data / "08_reporting" / "latex_ocr_rejects.parquet"))
    render = json.loads(_latest(data / "08_reporting" / "latex_ocr_render_report.json")
                        .read_text())
    return kept, rejects, render


@pytest.mark.slow
@pytest.mark.parametrize("use", ["render", "dataset"])
def test_im2latex_mirror_rendered_or_own_images(project_root: Path, tmp_path: Path,
                                                use: str) -> None:
    # yuntian-deng/im2latex-100k's layout; formulas typeset, or its own pages cropped
    written = hub.write_im2latex_mirror(tmp_path / "im2latex-100k", {"train": 12, "val": 3})
    run_pipelines(project_root, tmp_path / "data", ["latex_ocr"], {
        "latex_ocr.source.path": str(tmp_path / "im2latex-100k"), "latex_ocr.images.use": use})
    kept, rejects, render = _outputs(tmp_path / "data")
    empty = [i for i, r in enumerate(written["train"]) if not r["formula"]]
    assert sorted(rejects["row_id"]) == sorted(f"latex_ocr-{i}" for i in empty)
    assert len(kept) == 12 - len(empty)
    assert render["from_dataset"] == (len(kept) if use == "dataset" else 0)
    for row in kept.to_dict("records"):
        source = written["train"][int(row["id"].removeprefix("latex_ocr-"))]
        assert row["formula_raw"] == source["formula"]
        assert row["solution"] == normalize_formula(source["formula"])
        assert "\\begin{align*}" not in row["solution"] and "\\label" not in row["solution"]
        if use == "dataset":  # the page cropped to its ink: every dark pixel is kept
            page = hub.rgb_pixels(source["image"]["bytes"])
            assert (hub.rgb_pixels(row["image"]["bytes"]) < 128).sum() == (page < 128).sum()
            assert row["image_width"] < page.shape[1]


@pytest.mark.slow
def test_handwritten_config_of_a_linxy_mirror(project_root: Path, tmp_path: Path) -> None:
    # linxy/LaTeX_OCR config human_handwrite, split validation: image + text, no crop
    written = hub.write_linxy_latex_ocr_mirror(tmp_path / "LaTeX_OCR",
                                               {"train": 3, "validation": 4})
    run_pipelines(project_root, tmp_path / "data", ["latex_ocr"], {
        "latex_ocr.source.path": str(tmp_path / "LaTeX_OCR"),
        "latex_ocr.source.name": "human_handwrite", "latex_ocr.source.split": "validation",
        "latex_ocr.images.use": "dataset", "latex_ocr.images.crop": False})
    kept, rejects, _ = _outputs(tmp_path / "data")
    source_rows = written["human_handwrite/validation"]
    assert rejects.empty and len(kept) == 4
    for row in kept.to_dict("records"):
        source = source_rows[int(row["id"].removeprefix("latex_ocr-"))]
        assert row["solution"] == normalize_formula(source["text"])
        assert np.array_equal(hub.rgb_pixels(row["image"]["bytes"]),
                              hub.rgb_pixels(source["image"]["bytes"]))
