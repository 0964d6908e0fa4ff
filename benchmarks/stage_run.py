"""Run one Kedro data stage in a child process and measure it: wall time and peak RSS.

Used by ``benchmarks/ingest_sat_rowgroup.py`` and ``benchmarks/ingest_deepmath.py``. The stage
runs as ``python -m kedro run --pipelines <name> --params ...`` in the project root, so the
figures are those of the documented command; ``os.wait4`` gives the child's own resource usage
(its peak RSS, and that of its largest waited-for descendant, e.g. a render worker).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("benchmarks.stage_run")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def load_averages() -> list[float]:
    """The 1, 5 and 15 minute load averages (``uptime``)."""
    return [round(x, 2) for x in os.getloadavg()]


def params_arg(params: dict[str, Any]) -> str:
    """``--params`` text: ``a.b=1,c=x`` (values with commas are not supported)."""
    return ",".join(f"{key}={value}" for key, value in params.items())


def run_stage(pipeline: str, params: dict[str, Any], log_path: Path) -> dict[str, Any]:
    """Run ``kedro run --pipelines <pipeline>`` with ``params``; wall seconds, peak RSS, exit."""
    command = [sys.executable, "-m", "kedro", "run", "--pipelines", pipeline,
               "--params", params_arg(params)]
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{log_path.parent / 'mlflow.db'}")
    logger.info("running: %s", " ".join(command))
    start = time.perf_counter()
    loads_before = load_averages()
    with log_path.open("w") as log:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    return {
        "command": f"kedro run --pipelines {pipeline} --params \"{params_arg(params)}\"",
        "exit_code": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 1),
        "peak_rss_gib": round(usage.ru_maxrss / 2**20, 3),  # ru_maxrss is in KiB on Linux
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "load_average_before": loads_before,
        "load_average_after": load_averages(),
        "cpus": os.cpu_count(),
    }


def latest(folder: Path) -> Path:
    """The newest version's file of a versioned dataset folder."""
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    return versions[-1] / folder.name
