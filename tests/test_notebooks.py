"""Every notebook runs top to bottom offline, quietly, on a small `deepmath` data stage +
`evaluate` + `report` run (tmp data dir); without data it names what to run."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.evaluation.helpers import build_tiny_model_dir, run_eval_and_report
from tests.kedro_helpers import latest_version, run_pipelines

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def data_dir(project_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding a fresh `evaluate` and `report` run of the tiny model."""
    model_dir = build_tiny_model_dir(tmp_path_factory.mktemp("nb_model"))
    data = tmp_path_factory.mktemp("nb_data")
    run_pipelines(project_root, data, ["deepmath"])  # renders, splits, rejects, report
    run_eval_and_report(project_root, data, model_dir)  # its own (newer) deepmath_test
    return data


@pytest.mark.slow
def test_report_exists_with_plots(data_dir: Path) -> None:
    page = latest_version(data_dir / "08_reporting" / "eval_report.html").read_text()
    assert page.count("<img") == 4 and "eval_comparison" not in page.split("<body>")[0]
    assert "step 5, gold 7" in page  # the seeded run's first rewarded self-correction
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
def test_notebook_runs_top_to_bottom(notebook: Path, request: pytest.FixtureRequest) -> None:
    if notebook.name == "training.ipynb":  # a real GRPO run: the default run, small
        data, _ = request.getfixturevalue("small_default_run")
        environ = {"MATHRL_DATA_DIR": str(data), "MATHRL_TASK": "arith"}
    else:  # the seeded test split
        data = request.getfixturevalue("data_dir")
        environ = {"MATHRL_DATA_DIR": str(data), "MATHRL_TASK": "deepmath"}
    outputs, text = _execute(notebook, environ)
    _quiet_and_clean(outputs)
    # renders, curves, plots; a grid; the five training curves
    images = {"evaluation_report.ipynb": 4, "data.ipynb": 1, "training.ipynb": 5}
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= images[notebook.name]
    assert "not available" not in text  # every dataset loaded from the catalog
    if notebook.name == "training.ipynb":
        assert text.count("**step ") >= 2, text[-2000:]  # completions of several steps


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_without_data_says_what_to_run(notebook: Path, tmp_path: Path) -> None:
    outputs, text = _execute(notebook, {"MATHRL_DATA_DIR": str(tmp_path), "MATHRL_TASK": "arith"})
    _quiet_and_clean(outputs)
    missing = re.findall(r"`(\w+)` is not available in `[^`]+`: run `([^`]+)` first", text)
    commands = dict(missing)
    if notebook.name == "training.ipynb":  # made by the run, not a data stage
        assert commands == {"train_metrics": "make run", "train_samples": "make run"}, text
        return
    split = "arith_test" if notebook.name == "evaluation_report.ipynb" else "arith_train"
    assert commands.get(split) == "kedro run --pipelines arith", text[-2000:]  # the data stage
    assert set(commands.values()) <= {"make run", "kedro run --pipelines arith"}
