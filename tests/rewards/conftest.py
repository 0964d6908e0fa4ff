"""Shared fixtures of the reward tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT / ".." / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _started_sandbox() -> None:
    """Start the reward sandbox's workers once, as the train and evaluate nodes do."""
    from mathrl_pipeline.rewards.sandbox import SandboxSettings, start

    start(SandboxSettings())


def shared_rows(name: str) -> list[dict]:
    """Rows of ``../shared/data/<name>``; skips the test when the folder is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found: ../shared/data is only present in the shared workplace")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
