"""`kedro jupyter lab` starts (jupyterlab is in the `dev` extra), serves HTTP with the project's
kernel as default, and stops."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


@pytest.mark.slow
def test_kedro_jupyter_lab_starts_and_answers(project_root: Path, tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(8)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),  # the kernel spec kedro installs goes here
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "KEDRO_DISABLE_TELEMETRY": "true",
    }
    command = [sys.executable, "-m", "kedro", "jupyter", "lab", "--no-browser",
               f"--port={port}", f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path / "jupyter.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=project_root, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, status = time.monotonic() + 180, 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _ = _get(f"{base}/api/status?token={token}")
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                status = 0
            if status == 200:
                break
            time.sleep(1)
        assert status == 200, log.read_text()[-3000:]
        _, body = _get(f"{base}/api/kernelspecs?token={token}")
        assert json.loads(body)["default"] == "kedro_mathrl_pipeline"
        assert _get(f"{base}/lab?token={token}")[0] == 200
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the session this test started
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
