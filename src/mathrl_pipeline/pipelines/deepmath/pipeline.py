"""The `deepmath` pipeline: generate, ingest, validate, filter, render, prompts, split."""

from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.deepmath import (
    build_deepmath_rows,
    filter_deepmath,
    generate_deepmath,
    validate_deepmath,
)

from ..data.pipeline import (
    ingest_node,
    rejects_node,
    render_node,
    report_node,
    split_node,
    task_pipeline,
)


def create_pipeline(**kwargs) -> Pipeline:
    """DeepMath-103K questions (or the embedded generator) to GRPO-ready image splits."""
    return task_pipeline("deepmath", [
        Node(generate_deepmath, ["params:deepmath.embedded", "params:deepmath.source"],
             "deepmath_raw",
             name="generate_deepmath"),
        ingest_node("deepmath"),
        Node(validate_deepmath, ["deepmath_ingested", "params:deepmath.source"],
             ["deepmath_valid", "deepmath_rejects_validate"], name="validate_deepmath"),
        Node(filter_deepmath, ["deepmath_valid", "params:deepmath.filter"],
             ["deepmath_filtered", "deepmath_rejects_filter"], name="filter_deepmath"),
        render_node("deepmath", "deepmath_filtered"),
        Node(build_deepmath_rows, ["deepmath_rendered", "params:deepmath.prompt"],
             "deepmath_model_input", name="build_deepmath_prompts"),
        split_node("deepmath"),
        rejects_node("deepmath", ["validate", "filter", "render"]),
        report_node("deepmath", "deepmath_ingested", ["train", "test"], source="deepmath_source"),
    ])
