"""The `deepmath` stage at DeepMath-103K scale: 103,000 rows in the dataset's real Hub layout.

    .venv/bin/python benchmarks/ingest_deepmath.py [--rows 103000] [--solution-chars 16000]
        [--workers 2] [--sample ../shared/data/deepmath_sample.jsonl] [--workdir DIR] [--keep]

Writes a mirror in DeepMath-103K's layout (card YAML, ``data/train-000NN-of-00010.parquet``,
1000-row row groups, ``datasets`` feature metadata, three ``r1_solution_*`` columns of about
16,000 characters each, as the real ~5 GB of solutions): the 550 real questions of
``../shared/data/deepmath_sample.jsonl`` first (rows 0-549, their own answers), then generated
questions with exact answers (fractions, integrals, derivatives, determinants, series, limits,
equations, binomials, in prose of varying length) and a few deliberately broken rows. Then runs
the documented command ``kedro run --pipelines deepmath --params deepmath.source.path=<mirror>``
in a child process and writes rows/s, images/s/core, peak RSS and wall time, with the render
rate and the rejects by reason, to ``benchmarks/results/ingest_deepmath.{json,md}``. The mirror
is generated in a temporary folder and removed afterwards (``--keep`` keeps it). Exits 0 with
a message when the shared sample is absent.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import shutil
import sys
import tempfile
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from stage_run import RESULTS, ROOT, latest, run_stage

sys.path.insert(0, str(ROOT))
from tests.fixtures import hub_layouts as hub  # noqa: E402

logger = logging.getLogger("benchmarks.ingest_deepmath")
SAMPLE = ROOT.parent / "shared" / "data" / "deepmath_sample.jsonl"
SHARDS = 10
ROW_GROUP = 1000
BROKEN_EVERY = 2500  # one broken generated row in this many
TOPICS = ["Mathematics -> Algebra -> Algebra -> Equations and Inequalities",
          "Mathematics -> Calculus -> Integral Calculus -> Techniques of Integration",
          "Mathematics -> Calculus -> Differential Calculus -> Derivatives",
          "Mathematics -> Algebra -> Linear Algebra -> Determinants",
          "Mathematics -> Calculus -> Limits",
          "Mathematics -> Discrete Mathematics -> Combinatorics"]
PREAMBLES = ["", "Consider the following exercise. ", "This problem comes from a first course. ",
             "Work carefully and simplify the final answer as far as possible. ",
             "Let all quantities below be real numbers unless stated otherwise, and assume that "
             "every expression is defined where it is used. "]


def tex(value: Fraction) -> str:
    """A rational as DeepMath writes it: ``7``, ``\\frac{3}{4}``, ``-\\frac{3}{4}``."""
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def generated(rng: random.Random) -> tuple[str, str]:
    """One generated question and its exact answer."""
    a, b, c, d, k = (rng.randint(1, 9) for _ in range(5))
    kind = rng.randrange(8)
    if kind == 0:
        return (f"Compute $\\frac{{{a}}}{{{b + 1}}} + \\frac{{{c}}}{{{d + 1}}}$ and write the "
                "result in lowest terms.", tex(Fraction(a, b + 1) + Fraction(c, d + 1)))
    if kind == 1:
        value = Fraction(a * k**3, 3) + Fraction(b * k**2, 2) + c * k
        return (f"Evaluate the integral \\[ \\int_{{0}}^{{{k}}} \\left({a}x^{{2}} + {b}x + {c}"
                f"\\right)\\, dx. \\]", tex(value))
    if kind == 2:
        return (f"Let $f(x) = {a}x^{{3}} - {b}x + {c}$. Find $f'({k})$.",
                str(3 * a * k * k - b))
    if kind == 3:
        return (f"Find the determinant of the matrix $\\begin{{pmatrix}} {a} & {b} \\\\ {c} & "
                f"{d} \\end{{pmatrix}}$.", str(a * d - b * c))
    if kind == 4:
        r = k + 1
        return (f"Find the sum of the series $\\sum_{{n=0}}^{{\\infty}} \\left(\\frac{{1}}{{{r}}}"
                f"\\right)^{{n}}$.", tex(Fraction(r, r - 1)))
    if kind == 5:
        return (f"Evaluate $\\displaystyle\\lim_{{x \\to {k}}} \\frac{{x^{{2}} - {k * k}}}"
                f"{{x - {k}}}$.", str(2 * k))
    if kind == 6:
        return (f"Solve for $x$: ${a}x + {b} = {c + 10}$.", tex(Fraction(c + 10 - b, a)))
    n = a + 5
    return (f"In how many ways can one choose ${k % n}$ objects from ${n}$ distinct objects?",
            str(math.comb(n, k % n)))


def broken(index: int) -> tuple[str, str]:
    """A row a real dump can hold: empty question, missing answer, unparseable answer."""
    return [("", "3"), ("What is $2+2$?", ""), ("Simplify $x+x$.", "\\frac{2x}{")][index % 3]


def source_rows(real: list[dict[str, Any]], count: int, seed: int) -> list[tuple[str, str]]:
    """(question, final_answer) of every row: the real ones first, then generated ones."""
    rng = random.Random(seed)
    rows = [(r["question"], r["final_answer"]) for r in real[:count]]
    for i in range(len(rows), count):
        if i % BROKEN_EVERY == BROKEN_EVERY - 1:
            rows.append(broken(i // BROKEN_EVERY))
            continue
        question, answer = generated(rng)
        rows.append((rng.choice(PREAMBLES) + question, answer))
    return rows


def write_mirror(folder: Path, rows: list[tuple[str, str]], solution_chars: int,
                 seed: int) -> None:
    """DeepMath-103K's layout: the card and ten shards of 1000-row row groups."""
    hub.write_deepmath_card(folder, len(rows))
    rng = random.Random(seed)
    words = [f"w{rng.randrange(50_000)}" for _ in range(400_000)]
    text = " ".join(words)  # about 2.8 MB of solution-like text to cut solutions from
    schema = hub.deepmath_features().arrow_schema
    per_shard = math.ceil(len(rows) / SHARDS)
    for shard, name in enumerate(hub.shard_names("train", SHARDS)):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(path, schema, use_dictionary=["topic"]) as writer:
            for start in range(shard * per_shard, min(len(rows), (shard + 1) * per_shard),
                               ROW_GROUP):
                block = rows[start:min(start + ROW_GROUP, (shard + 1) * per_shard)]
                solutions = {f"r1_solution_{k}": [
                    text[(o := rng.randrange(len(text) - solution_chars)):o + solution_chars]
                    for _ in block] for k in (1, 2, 3)}
                writer.write_table(pa.table({
                    "question": [q for q, _ in block], "final_answer": [a for _, a in block],
                    "difficulty": [rng.randrange(10, 19) / 2 for _ in block],
                    "topic": [rng.choice(TOPICS) for _ in block], **solutions}, schema=schema))
        logger.info("wrote %s", path.relative_to(folder))


def check(data: Path, rows: list[tuple[str, str]], seed: int) -> dict[str, Any]:
    """Counts from the stage's outputs; 500 kept rows compared with their source rows."""
    from mathrl_pipeline.datasets.sliced_parquet import SlicedParquetDataset

    render = json.loads(latest(data / "08_reporting" / "deepmath_render_report.json").read_text())
    report = json.loads(latest(data / "08_reporting" / "deepmath_report.json").read_text())
    rejects = pd.read_parquet(latest(data / "08_reporting" / "deepmath_rejects.parquet"))
    train = SlicedParquetDataset(filepath=str(latest(data / "05_model_input" /
                                                     "deepmath_train.parquet"))).load()
    test = pd.read_parquet(latest(data / "05_model_input" / "deepmath_test.parquet"))
    sample = train.sample(n=min(500, len(train)), random_state=seed)
    for row in sample.to_dict("records"):
        question, answer = rows[int(row["id"].removeprefix("deepmath-"))]
        assert row["question"] == question.strip() and row["solution"] == answer, row["id"]
    assert rejects["reason"].astype(bool).all(), "a reject without a reason"
    assert len(train) + len(test) + len(rejects) == len(rows)
    return {"render": render, "report": report, "kept": len(train) + len(test),
            "train_rows_in_one_load": len(train), "checked_against_source": len(sample),
            "rejects_by_reason": dict(Counter(rejects["reason"]))}


def figures(rows: int, stage: dict[str, Any], outputs: dict[str, Any],
            workers: int) -> dict[str, Any]:
    """The headline figures: rows/s, images/s/core, peak RSS, wall, render rate."""
    render = outputs["render"]
    return {
        "rows": rows,
        "wall_s": stage["wall_s"],
        "rows_per_s": round(rows / stage["wall_s"], 1),
        "render_s": render["seconds"],
        "images_per_s_per_core": round(render["rendered_here"] / render["seconds"] / workers, 1),
        "peak_rss_gib": stage["peak_rss_gib"],
        "rendered_fraction": round(render["rendered_here"] / render["items"], 5),
        "rendered": render["rendered_here"],
        "rejects_by_reason": outputs["rejects_by_reason"],
    }


def markdown(result: dict[str, Any]) -> str:
    """The results table."""
    f, stage = result["figures"], result["stage"]
    return "\n".join([
        "# Ingest + render at DeepMath-103K scale",
        "",
        "Written by `.venv/bin/python benchmarks/ingest_deepmath.py`. Mirror in DeepMath-103K's",
        f"layout ({result['mirror']['size_gib']} GiB on disk, 10 shards, 1000-row row groups,",
        "three r1_solution_* columns the stage never reads): the 550 real questions of",
        "`../shared/data/deepmath_sample.jsonl`, then generated ones with exact answers and a",
        "few broken rows. One child process runs the documented command; peak RSS is its own",
        "(render workers are separate processes).",
        "",
        "| rows | wall s | rows/s | render s | images/s/core | CPU s (all processes) | "
        "peak RSS GiB | rendered |",
        "|---|---|---|---|---|---|---|---|",
        f"| {f['rows']} | {f['wall_s']} | {f['rows_per_s']} | {f['render_s']} | "
        f"{f['images_per_s_per_core']} | {stage['cpu_s']} | {f['peak_rss_gib']} | "
        f"{f['rendered']} of {f['rendered'] + sum(result['outputs_render_reasons'].values())} "
        f"valid rows ({100 * f['rendered_fraction']:.2f} %; "
        f"{100 * f['rendered'] / f['rows']:.2f} % of all rows) |",
        "",
        f"CPU seconds of the stage and all its children / {stage['cpus']} cores = "
        f"{round(stage['cpu_s'] / stage['cpus'])} s: the wall time to expect on {stage['cpus']} "
        "otherwise idle cores (an estimate; the wall time above is what this shared machine "
        "gave).",
        "",
        f"Rejects by reason: `{json.dumps(f['rejects_by_reason'])}` (every one with its reason).",
        f"Render failures by renderer reason: `{json.dumps(result['outputs_render_reasons'])}`.",
        f"`catalog.load('deepmath_train')`-style load in one call: "
        f"{result['train_rows_in_one_load']} rows; {result['checked_against_source']} kept rows "
        "compared with their source rows.",
        "",
        f"Command: `{stage['command']}`",
        "",
        f"Load averages (1, 5, 15 min) before / after: {stage['load_average_before']} / "
        f"{stage['load_average_after']} on {stage['cpus']} CPUs (a shared machine: the lead may "
        "re-run on a quiet one).",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=103_000)
    parser.add_argument("--solution-chars", type=int, default=16_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated mirror")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.sample.exists():
        logger.warning("skipped: %s is absent (shared data is only in this workplace)",
                       args.sample)
        return 0
    real = [json.loads(line) for line in args.sample.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows = source_rows(real, args.rows, args.seed)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="deepmath-scale-"))
    mirror, data = workdir / "DeepMath-103K", workdir / "data"
    try:
        write_mirror(mirror, rows, args.solution_chars, args.seed)
        size = sum(p.stat().st_size for p in mirror.rglob("*.parquet"))
        stage = run_stage("deepmath", {"deepmath.source.path": mirror,
                                       "deepmath.render.workers": args.workers,
                                       "data_dir": data}, workdir / "deepmath_stage.log")
        if stage["exit_code"] != 0:
            logger.error("the stage failed; see %s", workdir / "deepmath_stage.log")
            return 1
        outputs = check(data, rows, args.seed)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "figures": figures(len(rows), stage, outputs, args.workers),
        "stage": stage,
        "mirror": {"size_gib": round(size / 2**30, 2), "solution_chars": args.solution_chars,
                   "real_rows": min(len(real), len(rows))},
        "report": outputs["report"],
        "outputs_render_reasons": outputs["render"]["reject_reasons"],
        "train_rows_in_one_load": outputs["train_rows_in_one_load"],
        "checked_against_source": outputs["checked_against_source"],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "ingest_deepmath.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.results / "ingest_deepmath.md").write_text(markdown(result))
    logger.info("%s", json.dumps(result["figures"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
