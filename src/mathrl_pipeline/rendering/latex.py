"""Running pdflatex (and other TeX-side tools) on untrusted input, safely.

Every run: its own working directory, no shell escape, paranoid file access
(openin_any=p, openout_any=p), no font generation (nothing written outside the
directory), CPU and file-size rlimits, and a wall-clock timeout that kills the whole
process group.
"""

from __future__ import annotations

import logging
import os
import re
import resource
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .document import DIMS, MARKER

logger = logging.getLogger(__name__)

JOB = "batch"
_MAX_FILE_BYTES = 512 * 1024 * 1024
_MARKER_RE = re.compile(r"^" + re.escape(MARKER) + r" (\d+)$", re.MULTILINE)
_DIMS_RE = re.compile(
    r"^" + re.escape(DIMS) + r" (\d+) (-?[\d.]+)pt (-?[\d.]+)pt (-?[\d.]+)pt$", re.MULTILINE
)
_OVERFULL_RE = re.compile(r"^Overfull \\hbox \(([\d.]+)pt too wide\)", re.MULTILINE)
_PAGES_RE = re.compile(r"Output written on \S+ \((\d+) pages?")


@dataclass
class TexRun:
    """What one pdflatex run produced, parsed from its log."""

    ok: bool
    pdf: Path | None
    pages: int
    error: str | None
    timed_out: bool
    last_marker: int | None
    dims: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    overfull: dict[int, float] = field(default_factory=dict)


def safe_env(workdir: Path) -> dict[str, str]:
    """Environment for TeX tools: paranoid kpathsea settings, no font generation."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "openin_any": "p",
        "openout_any": "p",
        "shell_escape": "f",
        "TEXMFOUTPUT": str(workdir),
        "TEXMFVAR": str(workdir / ".texmf-var"),
        "TEXMFCONFIG": str(workdir / ".texmf-config"),
        "TEXMFHOME": str(workdir / ".texmf-home"),
        "MKTEXPK": "0",
        "MKTEXTFM": "0",
        "MKTEXMF": "0",
        "MKTEXFMT": "0",
        "max_print_line": "10000",
        "error_line": "254",
        "half_error_line": "238",
    }
    return env


def _limits(cpu_s: int) -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (_MAX_FILE_BYTES, _MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_bounded(argv: list[str], cwd: Path, timeout_s: float) -> tuple[int | None, str]:
    """Run a command in its own session; kill its process group on timeout.

    Returns (exit code or None on timeout, combined output truncated to 64 kB).
    """
    cpu = max(2, int(timeout_s) + 1)
    with subprocess.Popen(
        argv,
        cwd=cwd,
        env=safe_env(cwd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: _limits(cpu),  # noqa: PLW1509 - worker processes are single-threaded
    ) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout_s)
            return proc.returncode, out[-65536:].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, _ = proc.communicate()
            logger.warning("%s timed out after %.1fs; process group killed", argv[0], timeout_s)
            return None, out[-65536:].decode("utf-8", "replace")


def first_error(log: str) -> str | None:
    """pdflatex's first error line (`! ...`), with the offending input line if shown."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("! "):
            message = line[2:].strip()
            for follow in lines[i + 1 : i + 8]:
                if follow.startswith("l.") and " " in follow:
                    return f"{message} ({follow.strip()[:120]})"
            return message[:300]
    return None


def _attribute(log: str, pattern: re.Pattern[str]) -> dict[int, float]:
    """Max value of `pattern` per item, by the last marker preceding each match."""
    markers = [(m.start(), int(m.group(1))) for m in _MARKER_RE.finditer(log)]
    found: dict[int, float] = {}
    k = -1
    for match in pattern.finditer(log):
        while k + 1 < len(markers) and markers[k + 1][0] < match.start():
            k += 1
        if k >= 0:
            item = markers[k][1]
            found[item] = max(found.get(item, 0.0), float(match.group(1)))
    return found


def run_pdflatex(tex_source: str, batch_dir: Path, timeout_s: float) -> TexRun:
    """Compile one batch document in batch_dir and parse the outcome."""
    (batch_dir / f"{JOB}.tex").write_text(tex_source, encoding="utf-8")
    argv = [
        "pdflatex",
        "-no-shell-escape",
        "-interaction=nonstopmode",
        "-halt-on-error",
        f"-jobname={JOB}",
        f"{JOB}.tex",
    ]
    code, output = run_bounded(argv, batch_dir, timeout_s)
    log_path = batch_dir / f"{JOB}.log"
    log = log_path.read_text("utf-8", "replace") if log_path.exists() else output
    markers = [int(m) for m in _MARKER_RE.findall(log)] or [
        int(m) for m in _MARKER_RE.findall(output)
    ]
    pages_match = _PAGES_RE.search(log)
    pdf = batch_dir / f"{JOB}.pdf"
    timed_out = code is None
    error = first_error(log)
    if timed_out:
        error = f"pdflatex timed out after {timeout_s:g}s"
    elif code != 0 and error is None:
        error = f"pdflatex exited with status {code}"
    ok = code == 0 and error is None and pdf.exists() and pages_match is not None
    dims = {
        int(m.group(1)): (float(m.group(2)), float(m.group(3)), float(m.group(4)))
        for m in _DIMS_RE.finditer(log)
    }
    return TexRun(
        ok=ok,
        pdf=pdf if pdf.exists() else None,
        pages=int(pages_match.group(1)) if pages_match else 0,
        error=error,
        timed_out=timed_out,
        last_marker=markers[-1] if markers else None,
        dims=dims,
        overfull=_attribute(log, _OVERFULL_RE) if ok else {},
    )
