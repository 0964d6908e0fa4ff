"""Public entry points: render_items and render_stats."""

from __future__ import annotations

import logging
import math
import multiprocessing
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .batch import Prepared, render_batch
from .config import MODES, RenderConfig
from .model import RenderItem, RenderResult, reject
from .repair import repair
from .sanitize import check_raw, refusal_reason

logger = logging.getLogger(__name__)


def prepare(item: RenderItem, index: int, config: RenderConfig) -> Prepared | RenderResult:
    """Repair and screen one item: a Prepared body for TeX, or a sanitize-stage reject."""
    mode = item.mode or config.mode_default
    if mode not in MODES:
        return reject(item.id, "sanitize", f"unknown mode {mode!r}")
    if not isinstance(item.text, str):
        return reject(item.id, "sanitize", f"text is {type(item.text).__name__}, not str")
    reason = check_raw(item.text, config.max_chars)
    if reason:
        return reject(item.id, "sanitize", reason)
    body, repairs = repair(item.text, mode)
    reason = refusal_reason(body)
    if reason:
        return reject(item.id, "sanitize", reason, repairs)
    return Prepared(index=index, id=item.id, body=body, mode=mode, repairs=repairs)


def _batches(prepared: list[Prepared], config: RenderConfig) -> list[list[Prepared]]:
    """Even batches of at most batch_size, at least one per worker when there is work."""
    if not prepared:
        return []
    count = math.ceil(len(prepared) / config.batch_size)
    # a multiple of the worker count, so that no worker idles at the end
    count = min(len(prepared), math.ceil(count / config.workers) * config.workers)
    size = math.ceil(len(prepared) / count)
    return [prepared[i : i + size] for i in range(0, len(prepared), size)]


def render_items(
    items: Sequence[RenderItem], config: RenderConfig, workdir: Path
) -> list[RenderResult]:
    """Render items to PNG; one result per item, in order; a bad item never raises.

    workdir must be writable; private per-batch subdirectories are created in it and
    removed afterwards.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[RenderResult | None] = [None] * len(items)
    prepared: list[Prepared] = []
    for index, item in enumerate(items):
        outcome = prepare(item, index, config)
        if isinstance(outcome, Prepared):
            prepared.append(outcome)
        else:
            results[index] = outcome
    batches = _batches(prepared, config)
    workers = min(config.workers, len(batches))
    if workers <= 1:
        done = [render_batch(batch, config, workdir) for batch in batches]
    else:
        context = multiprocessing.get_context("fork" if _can_fork() else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(render_batch, batch, config, workdir) for batch in batches]
            done = [future.result() for future in futures]
    for batch_results in done:
        for index, result in batch_results:
            results[index] = result
    final = [
        r if r is not None else reject(items[i].id, "latex", "no result")
        for i, r in enumerate(results)
    ]
    stats = render_stats(final)
    logger.info(
        "rendered %d/%d items (%.1f%%) in %d batch(es)",
        stats["ok"],
        stats["total"],
        100 * stats["rate"],
        len(batches),
    )
    return final


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def render_stats(results: Sequence[RenderResult]) -> dict[str, Any]:
    """Counts, success rate, rejects per stage and per reason, repairs applied."""
    total = len(results)
    ok = sum(1 for r in results if r.ok)
    return {
        "total": total,
        "ok": ok,
        "rejected": total - ok,
        "rate": ok / total if total else 0.0,
        "by_stage": dict(Counter(r.stage for r in results if not r.ok)),
        "by_reason": dict(Counter(r.reason for r in results if not r.ok)),
        "repairs": dict(Counter(name.split(":")[0] for r in results for name in r.repairs)),
    }
