"""The pinned install runs on the Python of a fresh Debian 12 machine (3.11.2), not only on a
newer 3.11: every pinned package that is installed accepts that Python."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.specifiers import SpecifierSet

DEBIAN_12_PYTHON = "3.11.2"  # bookworm's python3, what `make setup` builds the venv from


def _pins(project_root: Path) -> dict[str, str]:
    pins = {}
    for line in (project_root / "constraints.txt").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;#]+)", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_every_pinned_package_accepts_debian_12_python(project_root: Path) -> None:
    refused = []
    for name, version in sorted(_pins(project_root).items()):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # pinned for an extra that is not installed here
        required = dist.metadata.get("Requires-Python")
        if dist.version == version and required and DEBIAN_12_PYTHON not in SpecifierSet(required):
            refused.append(f"{name}=={version} requires Python {required}")
    assert not refused, refused
