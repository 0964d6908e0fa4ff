"""Ctrl-C during `kedro run` says where the run stopped and how to resume (not only `Aborted!`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.kedro_helpers import default_sigint

STUCK_RUN = """
import sys, time
from pathlib import Path
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
import mathrl_pipeline.tasks.render as render

def stuck(items, config, workdir):
    Path(sys.argv[2]).write_text("rendering")
    time.sleep(120)
    return []

render.render_items = stuck  # the render node hangs, as a long stage would
bootstrap_project(Path(sys.argv[1]))
with KedroSession.create(project_path=Path(sys.argv[1]),
                         runtime_params={"data_dir": sys.argv[3]}) as session:
    session.run(pipeline_names=["arith"])
"""


def test_ctrl_c_names_the_node_and_how_to_resume(project_root: Path, tmp_path: Path) -> None:
    marker = tmp_path / "rendering"
    env = {**os.environ, "COLUMNS": "400", "KEDRO_DISABLE_TELEMETRY": "true",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
           "PYTHONPATH": os.pathsep.join([str(project_root / "src"), str(project_root),
                                          os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", STUCK_RUN, str(project_root), str(marker),
                             str(tmp_path / "data")], cwd=project_root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=default_sigint)  # noqa: PLW1509 - it only resets SIGINT
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()[-3000:]
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "Interrupted (Ctrl-C) during node data.render_arith" in out, out[-3000:]
    assert "kedro run --only-missing-outputs" in out
