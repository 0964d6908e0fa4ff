"""The `hf_vqa` pipeline through a KedroSession: the embedded default, each preset on a local
mirror in its dataset's true Hub layout, and no fallback to embedded rows for a preset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mathrl_pipeline.tasks.sources import SourceError
from tests.fixtures import hub_layouts as hub
from tests.kedro_helpers import latest_version, run_pipelines


def _outputs(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Kept rows (train + test), rejects and report of an `hf_vqa` run."""
    splits = [pd.read_parquet(latest_version(data / "05_model_input" / f"hf_vqa_{s}.parquet"))
              for s in ("train", "test")]
    rejects = pd.read_parquet(latest_version(data / "08_reporting" / "hf_vqa_rejects.parquet"))
    report = json.loads(latest_version(data / "08_reporting" / "hf_vqa_report.json").read_text())
    return pd.concat(splits, ignore_index=True), rejects, report


@pytest.mark.slow
def test_embedded_default(project_root: Path, tmp_path: Path) -> None:
    run_pipelines(project_root, tmp_path, ["hf_vqa"],
                  {"hf_vqa.embedded.count": 12, "hf_vqa.embedded.malformed_rows": 4})
    rows, rejects, report = _outputs(tmp_path)
    assert len(rows) == 12
    assert sorted(rejects["reason"]) == ["answer_not_numeric", "empty_question", "missing_image",
                                         "undecodable_image"]
    assert set(rows["answer_type"]) == {"number"}
    assert all(s.isdigit() for s in rows["solution"])
    assert "final answer (number)" in rows.loc[0, "prompt"][-1]["content"][1]["text"]
    assert report["source"] == {"preset": "embedded", "kind": "embedded", "path": "embedded",
                                "rows": 16, "columns": {"image": "image", "question": "problem",
                                                        "answer": "solution"}}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("preset", "answers", "answer_type", "modes"),
    [
        # R1-V CLEVR counting: RGBA PNG renders, "<answer> N </answer>"
        ("clevr_cogen", ["3", "4", "5", "6"], "number", {"RGBA": 4}),
        # R1-V GeoQA: palette PNG diagrams, answers with a degree sign
        ("geoqa_r1v", ["77°", "78°", "79°", "80°"], "math", {"P": 4}),
        # open-r1-multimodal 8k: "<think>..</think>\n\n<answer>..</answer>"
        ("multimodal_open_r1", ["2", "4", "6", "8"], "math", {"RGB": 4}),
    ],
)
def test_r1v_presets_on_true_layout_mirrors(project_root: Path, tmp_path: Path, preset: str,
                                            answers: list[str], *, answer_type: str,
                                            modes: dict[str, int]) -> None:
    written = hub.write_r1v_mirror(tmp_path / preset, preset, count=4)
    run_pipelines(project_root, tmp_path / "data", ["hf_vqa"],
                  {"hf_vqa.source.preset": preset, "hf_vqa.source.path": str(tmp_path / preset)})
    rows, rejects, report = _outputs(tmp_path / "data")
    assert rejects.empty and sorted(rows["solution"]) == answers
    assert set(rows["answer_type"]) == {answer_type} and report["image_modes"] == modes
    assert report["images_converted_to_rgb"] == (0 if modes == {"RGB": 4} else 4)
    assert report["source"]["preset"] == preset and "revision" not in report["source"]
    for row in rows.to_dict("records"):
        source = written[int(row["id"].removeprefix("hf_vqa-"))]
        assert row["question"] == source["problem"] and row["answer_raw"] == source["solution"]
        assert np.array_equal(hub.rgb_pixels(row["image"]["bytes"]),
                              hub.rgb_pixels(source["image"]["bytes"]))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("multiple", "extra_image"),
    [
        ("reject", False),  # one-image lists pass under the default policy
        ("all", True),  # every image kept in an `images` column as well
    ],
)
def test_geometry3k_image_lists(project_root: Path, tmp_path: Path, multiple: str,
                                extra_image: bool) -> None:
    written = hub.write_geometry3k_mirror(tmp_path / "geometry3k", {"train": 5, "test": 2})
    run_pipelines(project_root, tmp_path / "data", ["hf_vqa"], {
        "hf_vqa.source.preset": "geometry3k", "hf_vqa.source.path": str(tmp_path / "geometry3k"),
        "hf_vqa.source.images.multiple": multiple})
    rows, rejects, report = _outputs(tmp_path / "data")
    by_id = {r["id"]: r for r in written["train"]}
    assert rejects.empty and sorted(rows["id"]) == sorted(f"hf_vqa-{i}" for i in by_id)
    for row in rows.to_dict("records"):
        source = by_id[int(row["id"].removeprefix("hf_vqa-"))]
        assert row["solution"] == source["answer"] and "<image>" not in row["question"]
        assert np.array_equal(hub.rgb_pixels(row["image"]["bytes"]),
                              hub.rgb_pixels(source["images"][0]["bytes"]))
        assert ("images" in row) == extra_image
    assert report["image_modes"] == {"L": 5}


@pytest.mark.slow
@pytest.mark.parametrize("pipeline", ["hf_vqa", "grpo_hf_vqa"])
def test_a_preset_never_ends_on_embedded_rows(project_root: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              pipeline: str) -> None:
    # offline, with no mirror: the run stops at ingest, naming the Hub id and the parameter
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(SourceError) as info:
        run_pipelines(project_root, tmp_path, [pipeline], {"hf_vqa.source.preset": "clevr_cogen"},
                      to_outputs=["hf_vqa_train"])
    assert "leonardPKU/clevr_cogen_a_train" in str(info.value)
    assert "hf_vqa.source.path" in str(info.value)
    raw = pd.read_parquet(latest_version(tmp_path / "01_raw" / "hf_vqa_raw.parquet"))
    assert raw.empty  # the generator wrote nothing for a real source
    assert not (tmp_path / "05_model_input").exists()
