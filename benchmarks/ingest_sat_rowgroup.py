"""The `sat` stage on an array/SAT-layout mirror whose train file is ONE row group of 2+ GiB.

    .venv/bin/python benchmarks/ingest_sat_rowgroup.py [--gib 2.1] [--sample 200]
        [--workdir DIR] [--keep] [--results DIR]

array/SAT's SAT_train.parquet is a single 5 GiB row group of JPEG lists, which `datasets`
cannot read (nested chunked arrays) and which a whole-split load holds in memory. This writes a
mirror (card + SAT_train.parquet with over ``--gib`` GiB of nested image bytes in one row group,
generated: ``tests/fixtures/hub_layouts.write_big_sat_file``), runs the documented command
``kedro run --pipelines sat --params sat.source.path=<mirror>,sat.source.sample.n=<n>`` in a child
process (the sample is drawn over the whole file, so every row group byte is read), checks that
the kept rows are the source's rows (question, answer, image pixels) and writes the stage's wall
time and peak RSS to ``benchmarks/results/ingest_sat_rowgroup.{json,md}``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from PIL import Image
from stage_run import RESULTS, ROOT, latest, run_stage

sys.path.insert(0, str(ROOT))
from tests.fixtures import hub_layouts as hub  # noqa: E402

logger = logging.getLogger("benchmarks.ingest_sat_rowgroup")


def write_mirror(folder: Path, gib: float) -> tuple[int, list[bytes]]:
    """array/SAT's layout: the card and a one-row-group SAT_train.parquet of ``gib`` GiB."""
    hub.write_card(folder, hub.SAT_CARD, "# SAT (generated, benchmark)")
    return hub.write_big_sat_file(folder / "SAT_train.parquet", gib=gib)


def check_outputs(data: Path, jpegs: list[bytes], sample: int) -> dict[str, Any]:
    """The kept rows are source rows: question, answer and image pixels match row ``i``."""
    kept = pd.concat([pd.read_parquet(latest(data / "05_model_input" / f"sat_{s}.parquet"))
                      for s in ("train", "test")], ignore_index=True)
    rejects = pd.read_parquet(latest(data / "08_reporting" / "sat_rejects.parquet"))
    checked = 0
    for row in kept.to_dict("records"):
        i = int(row["id"].removeprefix("sat-"))
        assert row["question"] == f"Is object {i} to the left of the camera?", row["id"]
        assert row["answer"] == ("left" if i % 2 else "right"), row["id"]
        source = np.asarray(Image.open(io.BytesIO(jpegs[i % len(jpegs)])).convert("RGB"))
        image = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])))
        assert np.array_equal(source, image), row["id"]
        checked += 1
    return {"kept": len(kept), "rejects": len(rejects), "checked_against_source": checked,
            "sample": sample}


def markdown(result: dict[str, Any]) -> str:
    """The results table."""
    stage, file = result["stage"], result["file"]
    return "\n".join([
        "# Ingest: one 2+ GiB row group (array/SAT layout)",
        "",
        "Written by `.venv/bin/python benchmarks/ingest_sat_rowgroup.py`. The mirror holds",
        "array/SAT's card and a generated `SAT_train.parquet` whose single row group holds the",
        "nested JPEG bytes below; the `sat` stage samples rows over the whole file (pass 1 reads",
        "the row count from the footer, pass 2 streams every row batch) and keeps only those.",
        "",
        "| file | row groups | rows | image bytes in the row group | stage wall s | "
        "stage peak RSS GiB | kept rows checked against the source |",
        "|---|---|---|---|---|---|---|",
        f"| SAT_train.parquet ({file['size_gib']} GiB) | {file['row_groups']} | {file['rows']} | "
        f"{file['row_group_gib']} GiB | {stage['wall_s']} | **{stage['peak_rss_gib']}** | "
        f"{result['check']['checked_against_source']} of {result['check']['kept']} |",
        "",
        f"Command: `{stage['command']}`",
        "",
        f"Load averages (1, 5, 15 min) before / after: {stage['load_average_before']} / "
        f"{stage['load_average_after']} on {stage['cpus']} CPUs.",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.1)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated mirror")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sat-rowgroup-"))
    mirror, data = workdir / "SAT", workdir / "data"
    try:
        rows, jpegs = write_mirror(mirror, args.gib)
        meta = pq.ParquetFile(mirror / "SAT_train.parquet").metadata
        group = meta.row_group(0)
        image_bytes = sum(group.column(c).total_uncompressed_size for c in range(group.num_columns)
                          if group.column(c).path_in_schema.startswith("image_bytes"))
        stage = run_stage("sat", {"sat.source.path": mirror, "sat.source.sample.n": args.sample,
                                  "data_dir": data}, workdir / "sat_stage.log")
        if stage["exit_code"] != 0:
            logger.error("the stage failed; see %s", workdir / "sat_stage.log")
            return 1
        result = {
            "file": {"rows": rows, "row_groups": meta.num_row_groups,
                     "size_gib": round((mirror / "SAT_train.parquet").stat().st_size / 2**30, 3),
                     "row_group_gib": round(image_bytes / 2**30, 3)},
            "stage": stage,
            "check": check_outputs(data, jpegs, args.sample),
        }
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "ingest_sat_rowgroup.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.results / "ingest_sat_rowgroup.md").write_text(markdown(result))
    logger.info("%s", json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
