"""The `deepmath` pipeline: ingest -> validate -> filter -> render -> prompts -> split."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_deepmath_prompts,
    collect_deepmath_rejects,
    filter_deepmath,
    ingest_deepmath,
    render_deepmath,
    split_deepmath,
    validate_deepmath,
)


def create_pipeline(**kwargs) -> Pipeline:
    """DeepMath-103K questions (or the embedded generator) to GRPO-ready image splits."""
    return Pipeline(
        [
            Node(ingest_deepmath, "params:deepmath", "deepmath_raw", name="ingest_deepmath"),
            Node(
                validate_deepmath,
                ["deepmath_raw", "params:deepmath"],
                ["deepmath_valid", "deepmath_rejects_validate"],
                name="validate_deepmath",
            ),
            Node(
                filter_deepmath,
                ["deepmath_valid", "params:deepmath"],
                ["deepmath_filtered", "deepmath_rejects_filter"],
                name="filter_deepmath",
            ),
            Node(
                render_deepmath,
                ["deepmath_filtered", "params:deepmath"],
                ["deepmath_rendered", "deepmath_rejects_render", "deepmath_render_report"],
                name="render_deepmath",
            ),
            Node(
                build_deepmath_prompts,
                ["deepmath_rendered", "params:deepmath"],
                "deepmath_model_input",
                name="build_deepmath_prompts",
            ),
            Node(
                split_deepmath,
                ["deepmath_model_input", "params:deepmath"],
                ["deepmath_train", "deepmath_test"],
                name="split_deepmath",
            ),
            Node(
                collect_deepmath_rejects,
                ["deepmath_rejects_validate", "deepmath_rejects_filter", "deepmath_rejects_render"],
                "deepmath_rejects",
                name="collect_deepmath_rejects",
            ),
        ],
        tags=["data", "deepmath"],
    )
