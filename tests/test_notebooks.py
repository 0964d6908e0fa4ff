"""Every notebook runs top to bottom offline on a small `evaluate` + `report` run (tmp data dir)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.evaluation.helpers import build_tiny_model_dir, run_eval_and_report
from tests.kedro_helpers import latest_version

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def data_dir(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding a fresh `evaluate` and `report` run of the tiny model."""
    model_dir = build_tiny_model_dir(tmp_path_factory.mktemp("nb_model"))
    data = tmp_path_factory.mktemp("nb_data")
    run_eval_and_report(project_root, data, model_dir)
    return data


@pytest.mark.slow
def test_report_exists_with_plots(data_dir: Path) -> None:
    page = latest_version(data_dir / "08_reporting" / "eval_report.html").read_text()
    assert page.count("<img") == 4 and "eval_comparison" not in page.split("<body>")[0]
    for name in ("aha_moment", "accuracy_by_group", "length_distribution", "rates"):
        assert (
            latest_version(data_dir / "08_reporting" / "report_plots" / f"{name}.png")
            .stat()
            .st_size
        )


def _execute(notebook: Path, environ: dict[str, str]) -> tuple[list, str]:
    """Run ``notebook`` headless with ``environ`` set; its code outputs and all their text."""
    nb = nbformat.read(notebook, as_version=4)
    saved = {key: os.environ.get(key) for key in environ}
    os.environ.update(environ)
    try:
        NotebookClient(
            nb,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(notebook.parent)}},
        ).execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    text = "".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
        + str(o.get("data", {}).get("text/plain", ""))
        for o in outputs
    )
    return outputs, text


def _quiet_and_clean(outputs: list) -> None:
    assert not [o for o in outputs if o.get("output_type") == "error"]
    noise = [o["text"] for o in outputs if o.get("name") == "stderr"]
    assert not noise, noise  # no log or warning lines


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(notebook: Path, data_dir: Path) -> None:
    outputs, text = _execute(notebook, {"MATHRL_DATA_DIR": str(data_dir),
                                        "MATHRL_TASK": "deepmath"})  # the seeded test split
    _quiet_and_clean(outputs)
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 4  # renders, curves, plots
    assert "not available" not in text  # every dataset loaded from the catalog


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_without_data_says_what_to_run(notebook: Path, tmp_path: Path) -> None:
    outputs, text = _execute(notebook, {"MATHRL_DATA_DIR": str(tmp_path), "MATHRL_TASK": "arith"})
    _quiet_and_clean(outputs)
    assert "`arith_test` is not available" in text
    assert "run `kedro run --pipelines arith` first" in text  # the data stage makes the split
    assert "`eval_comparison` is not available" in text and "run `make run` first" in text
