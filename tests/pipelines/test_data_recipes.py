"""Each seed recipe's data command (README "The seeds' recipes on real data", docs/tasks.md),
under ``--env gpu``, on a local mirror in its dataset's true Hub layout: the run reads the
mirror (never the embedded rows) and its outputs hold the mirror's rows and answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from mathrl_pipeline.rewards.ocr import normalize_latex as normalize_formula
from tests.fixtures import hub_layouts as hub
from tests.kedro_helpers import latest_version, nest


def _mirror(kind: str, folder: Path) -> dict[int, str]:
    """Write a mirror of ``kind``; source row -> the gold answer the split must carry."""
    if kind == "deepmath":
        rows = hub.deepmath_rows(30)
        hub.write_deepmath_mirror(folder, rows, shards=10)
        return {i: r["final_answer"] for i, r in enumerate(rows)}
    if kind == "sat":
        rows = hub.write_sat_mirror(folder, {"train": 8, "val": 2})["train"]
        return {i: f"<answer>{r['correct_answer']}</answer>" for i, r in enumerate(rows)}
    if kind == "cvbench":
        return {r["idx"]: f"<answer>{r['answer']}</answer>"
                for r in hub.write_cvbench_mirror(folder, 4, 3)}
    if kind == "clevr_cogen":
        rows = hub.write_r1v_mirror(folder, "clevr_cogen", count=6)
        return {i: r["solution"].removeprefix("<answer> ").removesuffix(" </answer>")
                for i, r in enumerate(rows)}
    if kind == "im2latex":
        rows = hub.write_im2latex_mirror(folder, {"train": 10, "val": 2})["train"]
        return {i: normalize_formula(r["formula"]) for i, r in enumerate(rows) if r["formula"]}
    rows = hub.write_linxy_latex_ocr_mirror(folder, {"train": 6, "validation": 2})
    return {i: normalize_formula(r["text"]) for i, r in enumerate(rows["human_handwrite/train"])}


@dataclass(frozen=True)
class Recipe:
    """A documented data command: the pipeline, the mirror it reads, its parameters."""

    pipeline: str
    mirror: str
    params: Callable[[str], dict[str, Any]]
    splits: tuple[str, ...] = ("train", "test")


RECIPES = [
    # Math-OCR-Zero: DeepMath-103K rendered (conf/gpu: first 11,000 rows, 16 render workers)
    Recipe("deepmath", "deepmath", lambda m: {"deepmath.source.path": m}),
    # VisualThinker-R1-Zero: array/SAT's train split (conf/gpu: first 15,000 rows)
    Recipe("sat", "sat", lambda m: {"sat.source.path": m}),
    # VisualThinker-R1-Zero's evaluation: CV-Bench test (2D then 3D)
    Recipe("cvbench", "cvbench", lambda m: {"cvbench.source.path": m}, ("test",)),
    # R1-V: the clevr_cogen preset on its mirror
    Recipe("hf_vqa", "clevr_cogen",
           lambda m: {"hf_vqa.source.preset": "clevr_cogen", "hf_vqa.source.path": m}),
    # LaTeX-OCR on im2latex-100k, formulas typeset (the README's variant of the gpu recipe,
    # whose default is the handwritten set)
    Recipe("latex_ocr", "im2latex",
           lambda m: {"latex_ocr.source.path": m, "latex_ocr.source.name": None,
                      "latex_ocr.images.use": "render"}),
    # LaTeX-OCR on handwritten formulas, the dataset's own images
    Recipe("latex_ocr", "linxy",
           lambda m: {"latex_ocr.source.path": m, "latex_ocr.source.name": "human_handwrite",
                      "latex_ocr.images.use": "dataset", "latex_ocr.images.crop": False}),
]


@pytest.mark.slow
@pytest.mark.parametrize("recipe", RECIPES, ids=[r.mirror for r in RECIPES])
def test_recipe_data_command_on_a_true_layout_mirror(project_root: Path, tmp_path: Path,
                                                     recipe: Recipe) -> None:
    golds = _mirror(recipe.mirror, tmp_path / recipe.mirror)
    data, task = tmp_path / "data", recipe.pipeline
    bootstrap_project(project_root)
    runtime = nest({"data_dir": str(data), **recipe.params(str(tmp_path / recipe.mirror))})
    with KedroSession.create(project_path=project_root, env="gpu",
                             runtime_params=runtime) as session:
        session.run(pipeline_names=[recipe.pipeline])
    kept = pd.concat([pd.read_parquet(latest_version(data / "05_model_input" /
                                                     f"{task}_{s}.parquet"))
                      for s in recipe.splits])
    report = json.loads(latest_version(data / "08_reporting" / f"{task}_report.json").read_text())
    assert report["source"]["kind"] == "mirror" and len(kept) > 0
    for row in kept.to_dict("records"):
        source_row = int(row["id"].rsplit("-", 1)[1])
        assert row["solution"] == golds[source_row], row["id"]
