"""The `cvbench` pipeline (evaluation only): generate -> ingest -> validate -> prompts -> report."""

from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.cvbench import (
    build_cvbench_rows,
    generate_cvbench,
    validate_cvbench_rows,
)

from ..data.pipeline import ingest_node, rejects_node, report_node, task_pipeline


def create_pipeline(**kwargs) -> Pipeline:
    """CV-Bench (or synthetic scenes in its schema) as one `cvbench_test` split."""
    return task_pipeline("cvbench", [
        Node(generate_cvbench, ["params:cvbench.embedded", "params:cvbench.source"], "cvbench_raw",
             name="generate_cvbench"),
        ingest_node("cvbench"),
        Node(validate_cvbench_rows, ["cvbench_ingested", "params:cvbench.source"],
             ["cvbench_valid", "cvbench_rejects_validate"], name="validate_cvbench"),
        Node(build_cvbench_rows, ["cvbench_valid", "params:cvbench.prompt"], "cvbench_test",
             name="build_cvbench_prompts"),
        rejects_node("cvbench", ["validate"]),
        report_node("cvbench", "cvbench_ingested", ["test"], by="question_type",
                    source="cvbench_source"),
    ])
