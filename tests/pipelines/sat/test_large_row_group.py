"""A 2+ GiB single-row-group SAT file is read by the `sat` stage with a peak RSS under 2 GiB.

Runs ``benchmarks/ingest_sat_rowgroup.py``: it writes array/SAT's layout with a generated
``SAT_train.parquet`` of one row group holding over 2 GiB of nested JPEG bytes (a temporary
folder, removed afterwards), runs ``kedro run --pipelines sat`` on it in a child process with a
sample drawn over the whole file, and checks the kept rows against the source rows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_two_gib_row_group_is_read_with_bounded_memory(project_root: Path,
                                                       tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    try:
        done = subprocess.run(
            [sys.executable, str(project_root / "benchmarks" / "ingest_sat_rowgroup.py"),
             "--gib", "2.05", "--sample", "120", "--workdir", str(workdir),
             "--results", str(tmp_path / "results")],
            cwd=project_root, capture_output=True, text=True, timeout=1800, check=False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # 2 GiB of test data does not stay behind
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "results" / "ingest_sat_rowgroup.json").read_text())
    assert result["file"]["row_groups"] == 1 and result["file"]["row_group_gib"] > 2.0
    assert result["stage"]["exit_code"] == 0
    assert result["stage"]["peak_rss_gib"] < 2.0
    assert result["check"]["kept"] == result["check"]["checked_against_source"] == 120
