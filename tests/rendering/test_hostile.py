"""Hostile and broken inputs: rejected with a reason or rendered harmlessly, quickly,
without touching anything outside the work directory, and never at the others' expense."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items
from mathrl_pipeline.rendering.latex import run_pdflatex

from .hostile_corpus import HOSTILE_CASES

PASSWD_MARKER = "root:x:0:0"
GOOD = [
    r"Evaluate the limit: \[ \lim_{x \to 0} \frac{\sin x}{x} \]",
    r"Let $A \subseteq \mathbb{R}$ be closed. Is $A$ compact?",
    r"Find $\sum_{n=1}^\infty \frac{1}{n^2}$.",
    r"Solve \( x^2 - 2 = 0 \) for $x \in \mathbb{Q}$.",
]
CONFIG = RenderConfig(batch_size=16, workers=2, timeout_s=10)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list[str], Path, float]:
    """All hostile cases interleaved with good rows, in one call."""
    workdir = tmp_path_factory.mktemp("hostile")
    items: list[RenderItem] = []
    kinds: list[str] = []
    for i, (name, text, mode, _) in enumerate(HOSTILE_CASES):
        items.append(RenderItem(id=f"hostile:{name}", text=text, mode=mode))  # type: ignore[arg-type]
        kinds.append(name)
        good = GOOD[i % len(GOOD)]
        items.append(RenderItem(id=f"good:{i}", text=good))
        kinds.append("good")
    start = time.monotonic()
    results = render_items(items, CONFIG, workdir)
    return results, kinds, workdir, time.monotonic() - start


def test_corpus_is_large_enough() -> None:
    assert len(HOSTILE_CASES) >= 30
    assert len({name for name, *_ in HOSTILE_CASES}) == len(HOSTILE_CASES)


def test_every_good_row_renders_among_hostile_rows(mixed_run) -> None:
    results, kinds, _, elapsed = mixed_run
    assert len(results) == len(kinds)
    good = [r for r, k in zip(results, kinds, strict=True) if k == "good"]
    assert all(r.ok and r.png for r in good), [r.reason for r in good if not r.ok]
    assert elapsed < 60


@pytest.mark.parametrize(
    ("name", "expected_stage"), [(name, stage) for name, _, _, stage in HOSTILE_CASES]
)
def test_hostile_case_outcome(mixed_run, name: str, expected_stage: str | None) -> None:
    results, _, _, _ = mixed_run
    result = next(r for r in results if r.id == f"hostile:{name}")
    if expected_stage is None:
        assert result.ok or result.reason
    else:
        assert not result.ok, f"{name} rendered"
        assert result.stage == expected_stage, (result.stage, result.reason)
        assert result.reason
    if result.ok:
        assert PASSWD_MARKER.encode() not in (result.png or b"")


def test_nothing_left_or_written_outside(mixed_run) -> None:
    _, _, workdir, _ = mixed_run
    assert _files(workdir) == set(), "per-batch directories must be removed"
    assert not Path("/tmp/render_pwned").exists()
    assert not (workdir.parent / "pwned.tex").exists()
    assert not Path("pwned.tex").exists()


# Defence in depth: documents that bypass the refusal rules, straight into pdflatex.
DIRECT_DOCS = [
    # \input of an absolute path
    ("input", r"\input{/etc/passwd}"),
    # \openin + \read into the page
    ("openin", r"\newread\r\openin\r=/etc/passwd \read\r to\x \x"),
    # pdfTeX file dump
    ("filedump", r"\pdffiledump length 64 {/etc/passwd}"),
    # shell escape
    ("write18", r"\immediate\write18{touch render_pwned_shell}x"),
    # write into the parent directory
    ("openout", r"\newwrite\w\immediate\openout\w=../render_pwned.tex\immediate\write\w{x}x"),
]


@pytest.mark.parametrize(("name", "body"), DIRECT_DOCS)
def test_pdflatex_itself_is_contained(tmp_path: Path, name: str, body: str) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    source = "\\documentclass{article}\\begin{document}" + body + "\\end{document}\n"
    run = run_pdflatex(source, batch, timeout_s=20)
    log = (batch / "batch.log").read_text("utf-8", "replace")
    assert PASSWD_MARKER not in log
    if run.pdf is not None:
        assert PASSWD_MARKER.encode() not in run.pdf.read_bytes()
    assert not (batch / "render_pwned_shell").exists()
    assert not (tmp_path / "render_pwned.tex").exists()
    if name == "input":
        assert not run.ok and run.error


def _processes_in(directory: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if Path(os.readlink(proc / "cwd")) == directory:
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def test_timeout_kills_a_hanging_pdflatex(tmp_path: Path) -> None:
    source = "\\documentclass{article}\\begin{document}\\def\\x{\\x}\\x\\end{document}\n"
    start = time.monotonic()
    run = run_pdflatex(source, tmp_path, timeout_s=1.5)
    assert run.timed_out and not run.ok
    assert "timed out" in (run.error or "")
    assert time.monotonic() - start < 10
    assert _processes_in(tmp_path) == []


def test_a_hang_past_the_rules_costs_only_itself(tmp_path: Path, monkeypatch) -> None:
    # Pretend the refusal rules missed an infinite recursion: the timeout and the
    # splitting must still render every other item of the batch.
    monkeypatch.setattr("mathrl_pipeline.rendering.api.refusal_reason", lambda text: None)
    items = [RenderItem(f"g{i}", text) for i, text in enumerate(GOOD)]
    items.insert(2, RenderItem("hang", r"\def\x{\x}\x"))
    results = render_items(items, RenderConfig(workers=1, timeout_s=1.5), tmp_path)
    by_id = {r.id: r for r in results}
    assert not by_id["hang"].ok and "timed out" in (by_id["hang"].reason or "")
    assert all(by_id[f"g{i}"].ok for i in range(len(GOOD)))
