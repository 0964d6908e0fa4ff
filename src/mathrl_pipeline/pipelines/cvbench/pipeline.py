"""The `cvbench` pipeline: generate (embedded) -> ingest -> validate -> prompts -> report."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_cvbench_prompts,
    generate_cvbench_raw,
    ingest_cvbench,
    report_cvbench,
    validate_cvbench,
)


def create_pipeline(**kwargs) -> Pipeline:
    """CV-Bench (or the embedded scene generator) to one evaluation split, `cvbench_test`."""
    return Pipeline(
        [
            Node(generate_cvbench_raw, "params:cvbench", "cvbench_raw",
                 name="generate_cvbench_raw"),
            Node(ingest_cvbench, ["cvbench_raw", "params:cvbench"], "cvbench_ingested",
                 name="ingest_cvbench"),
            Node(validate_cvbench, "cvbench_ingested", ["cvbench_valid", "cvbench_rejects"],
                 name="validate_cvbench"),
            Node(build_cvbench_prompts, ["cvbench_valid", "params:cvbench"], "cvbench_test",
                 name="build_cvbench_prompts"),
            Node(report_cvbench, ["cvbench_ingested", "cvbench_test", "cvbench_rejects"],
                 "cvbench_report", name="report_cvbench"),
        ],
        tags=["data", "eval", "cvbench"],
    )
