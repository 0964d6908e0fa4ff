"""Makefile targets: python3-venv in the system set-up, `clean-data`, `benchmarks` (dry runs and
a scratch copy: nothing is installed or benchmarked here)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HELPERS = {"stage_run"}  # imported by the ingest benchmarks, not a benchmark itself

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _dry_run(project_root: Path, target: str) -> str:
    return subprocess.run(["make", "-n", target], cwd=project_root, capture_output=True,
                          text=True, check=True).stdout


def test_system_setup_installs_python3_venv_when_venv_cannot_work(project_root: Path) -> None:
    recipe = _dry_run(project_root, "system-deps")
    assert "python3-venv" in recipe.split("apt-get install", 1)[1]
    assert "import ensurepip" in recipe  # what a fresh Debian lacks without python3-venv


def test_benchmarks_runs_every_cpu_benchmark(project_root: Path) -> None:
    recipe = _dry_run(project_root, "benchmarks")
    scripts = {p.stem for p in (project_root / "benchmarks").glob("*.py")} - HELPERS
    missing = [s for s in sorted(scripts) if f"benchmarks/{s}.py" not in recipe]
    assert not missing, missing
    assert "needs a GPU (none found)" in recipe  # the 3B-shaped step, skipped without one


def test_clean_data_keeps_only_gitkeep(project_root: Path, tmp_path: Path) -> None:
    shutil.copy(project_root / "Makefile", tmp_path / "Makefile")
    for folder in ("01_raw", "05_model_input", "06_models"):
        (tmp_path / "data" / folder).mkdir(parents=True)
        (tmp_path / "data" / folder / ".gitkeep").touch()
    version = tmp_path / "data/05_model_input/x_train.parquet/2026-01-01T00.00.00.000Z"
    version.mkdir(parents=True)
    (version / "x_train.parquet").write_bytes(b"rows")
    checkpoint = tmp_path / "data/06_models/grpo_checkpoints/arith/checkpoint-2"
    checkpoint.mkdir(parents=True)
    (checkpoint / "model.safetensors").write_bytes(b"w")
    (tmp_path / "data/01_raw/loose.parquet").write_bytes(b"r")
    subprocess.run(["make", "clean-data"], cwd=tmp_path, check=True, capture_output=True)
    left = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "data").rglob("*"))
    assert left == ["data/01_raw", "data/01_raw/.gitkeep", "data/05_model_input",
                    "data/05_model_input/.gitkeep", "data/06_models", "data/06_models/.gitkeep"]

