"""The `sat` pipeline: generate (embedded) -> ingest -> validate -> prompts -> split -> report."""

from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.sat import build_sat_rows, generate_sat, validate_sat_rows

from ..data.pipeline import ingest_node, rejects_node, report_node, split_node, task_pipeline


def create_pipeline(**kwargs) -> Pipeline:
    """SAT (or the embedded scene generator) to GRPO-ready image splits."""
    return task_pipeline("sat", [
        Node(generate_sat, ["params:sat.embedded", "params:sat.source"], "sat_raw",
             name="generate_sat"),
        ingest_node("sat"),
        Node(validate_sat_rows, ["sat_ingested", "params:sat.source"],
             ["sat_valid", "sat_rejects_validate"], name="validate_sat"),
        Node(build_sat_rows, ["sat_valid", "params:sat.prompt", "params:sat.choices",
                              "params:sat.source"], "sat_model_input", name="build_sat_prompts"),
        split_node("sat"),
        rejects_node("sat", ["validate"]),
        report_node("sat", "sat_ingested", ["train", "test"], by="question_type",
                    source="sat_source"),
    ])
