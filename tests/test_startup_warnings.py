"""`kedro run` starts without warnings that the project causes (third-party deprecations of
Kedro, kedro-mlflow, MLflow and pydantic are theirs, not checked here)."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

# What the project used to cause at every start: dotted dataset names read outside their
# namespace (evaluate -> report), kedro-mlflow replacing a metrics entry without a prefix, and
# Kedro's deprecated registration of the project's custom resolvers (settings.py).


def _custom_resolver_line() -> str:
    """``omegaconf_config.py:<line>``: where Kedro registers custom resolvers (deprecated API)."""
    from kedro.config import OmegaConfigLoader

    lines, start = inspect.getsourcelines(OmegaConfigLoader._register_new_resolvers)
    offset = next(i for i, line in enumerate(lines) if "register_new_resolver(" in line)
    return f"omegaconf_config.py:{start + offset}:"


PROJECT_WARNINGS = re.compile(
    r"contain '\.' characters|Replacing dataset|"
    + re.escape(_custom_resolver_line())
    + r"|src/mathrl_pipeline/\S+\.py:\d+: \w*Warning"
)


def test_kedro_run_start_has_no_project_warnings(project_root: Path, tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "1000", "MLFLOW_TRACKING_URI":
           f"sqlite:///{tmp_path / 'mlflow.db'}", "KEDRO_DISABLE_TELEMETRY": "true"}
    proc = subprocess.run(
        [sys.executable, "-W", "default", "-m", "kedro", "run", "--pipelines", "arith",
         "--to-nodes", "data.generate_arith", "--params", f"data_dir={tmp_path / 'data'}"],
        cwd=project_root, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert "Completed 1 out of 1 tasks" in log
    found = [line for line in log.splitlines() if PROJECT_WARNINGS.search(line)]
    assert not found, found
