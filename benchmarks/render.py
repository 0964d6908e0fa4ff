"""Batched renderer vs one pdflatex call per item, on the 550 real DeepMath questions.

    .venv/bin/python benchmarks/render.py [--workers 2] [--batch-size 128] [--contact-sheet]

Same items, same preamble, same rasterisation and post-processing; only the number of
items per pdflatex run differs (batch_size=128 by default vs 1). Writes benchmarks/results/render.md
and render.json; --contact-sheet also writes docs/images/contact_sheet_deepmath.png
(24 random successful renders). Exits 0 with a message when the shared data is absent.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mathrl_pipeline.rendering import RenderConfig, RenderItem, render_items, render_stats
from mathrl_pipeline.rendering.contact import contact_sheet

logger = logging.getLogger("benchmarks.render")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "deepmath_sample.jsonl"
RESULTS = ROOT / "benchmarks" / "results"
SHEET = ROOT / "docs" / "images" / "contact_sheet_deepmath.png"


def _cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _measure(name: str, items: list[RenderItem], config: RenderConfig) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"render-bench-{name}-") as workdir:
        cpu0, wall0 = _cpu_seconds(), time.perf_counter()
        results = render_items(items, config, Path(workdir))
        wall, cpu = time.perf_counter() - wall0, _cpu_seconds() - cpu0
    stats = render_stats(results)
    ok = stats["ok"]
    row = {
        "name": name,
        "batch_size": config.batch_size,
        "workers": config.workers,
        "items": len(items),
        "ok": ok,
        "rate": round(stats["rate"], 4),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "images_per_s": round(ok / wall, 1),
        "images_per_s_per_core": round(ok / wall / config.workers, 1),
        "images_per_cpu_s": round(ok / cpu, 1),
        "by_reason": stats["by_reason"],
        "repairs": stats["repairs"],
    }
    logger.info("%s: %s", name, row)
    return {"row": row, "results": results}


def _markdown(rows: list[dict[str, Any]], ratio_wall: float, ratio_cpu: float) -> str:
    lines = [
        "# Rendering benchmark: batched vs one pdflatex call per item",
        "",
        "Written by `.venv/bin/python benchmarks/render.py`. Input: the 550 DeepMath questions",
        "of `../shared/data/deepmath_sample.jsonl`, default `RenderConfig` (150 dpi, 750 px wide,",
        "same preamble); only `batch_size` differs. Per core = images / wall seconds / workers;",
        "per CPU-second counts this process and all its children (pool, pdflatex, pdftoppm),",
        "which is the steadier figure on a shared machine.",
        "",
        "| renderer | batch | workers | ok/items | wall s | CPU s | img/s | img/s/core "
        "| img/CPU-s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['batch_size']} | {r['workers']} | {r['ok']}/{r['items']} | "
            f"{r['wall_s']} | {r['cpu_s']} | {r['images_per_s']} | "
            f"{r['images_per_s_per_core']} | {r['images_per_cpu_s']} |"
        )
    lines += [
        "",
        f"Ratio batched / per-item, images per second per core: **{ratio_wall:.1f}**",
        f"(per CPU-second: {ratio_cpu:.1f}).",
        "",
        f"Rejects (batched): `{json.dumps(rows[0]['by_reason'])}`",
        "",
        f"Repairs applied (batched): `{json.dumps(rows[0]['repairs'])}`",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=RenderConfig().batch_size)
    parser.add_argument("--contact-sheet", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not DATA.exists():
        logger.warning("skipped: %s is absent (shared data is only in this workplace)", DATA)
        return 0
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    items = [RenderItem(id=str(r["hf_row_index"]), text=r["question"]) for r in rows]
    batched_cfg = RenderConfig(workers=args.workers, batch_size=args.batch_size)
    single_cfg = RenderConfig(workers=args.workers, batch_size=1)
    render_items(items[:4], batched_cfg, Path(tempfile.gettempdir()))  # warm caches
    batched = _measure("batched", items, batched_cfg)
    single = _measure("per-item", items, single_cfg)
    b, s = batched["row"], single["row"]
    ratio_wall = b["images_per_s_per_core"] / max(s["images_per_s_per_core"], 1e-9)
    ratio_cpu = b["images_per_cpu_s"] / max(s["images_per_cpu_s"], 1e-9)
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary = {
        "rows": [b, s],
        "ratio_per_core": round(ratio_wall, 2),
        "ratio_per_cpu_s": round(ratio_cpu, 2),
    }
    (RESULTS / "render.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "render.md").write_text(_markdown([b, s], ratio_wall, ratio_cpu), encoding="utf-8")
    logger.info("ratio per core %.1f, per CPU-second %.1f", ratio_wall, ratio_cpu)
    if args.contact_sheet:
        ok = [r for r in batched["results"] if r.ok]
        chosen = sorted(
            random.Random(args.seed).sample(ok, min(24, len(ok))), key=lambda r: int(r.id)
        )
        SHEET.parent.mkdir(parents=True, exist_ok=True)
        contact_sheet(chosen, columns=3).save(SHEET)
        logger.info("contact sheet: %s", SHEET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
