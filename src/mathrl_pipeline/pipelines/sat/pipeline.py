"""The `sat` pipeline: generate (embedded) -> ingest -> validate -> prompts -> split -> report."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_sat_prompts,
    generate_sat_raw,
    ingest_sat,
    report_sat,
    split_sat,
    validate_sat,
)


def create_pipeline(**kwargs) -> Pipeline:
    """SAT (or the embedded scene generator) to GRPO-ready image splits."""
    return Pipeline(
        [
            Node(generate_sat_raw, "params:sat", "sat_raw", name="generate_sat_raw"),
            Node(ingest_sat, ["sat_raw", "params:sat"], "sat_ingested", name="ingest_sat"),
            Node(validate_sat, ["sat_ingested", "params:sat"], ["sat_valid", "sat_rejects"],
                 name="validate_sat"),
            Node(build_sat_prompts, ["sat_valid", "params:sat"], "sat_model_input",
                 name="build_sat_prompts"),
            Node(split_sat, ["sat_model_input", "params:sat"], ["sat_train", "sat_test"],
                 name="split_sat"),
            Node(report_sat, ["sat_ingested", "sat_train", "sat_test", "sat_rejects"],
                 "sat_report", name="report_sat"),
        ],
        tags=["data", "sat"],
    )
