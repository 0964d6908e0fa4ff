"""The `hf_vqa` pipeline: generate (embedded) -> ingest -> validate -> prompts -> split."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_hf_vqa_prompts,
    generate_hf_vqa_raw,
    ingest_hf_vqa,
    report_hf_vqa,
    split_hf_vqa,
    validate_hf_vqa,
)


def create_pipeline(**kwargs) -> Pipeline:
    """An image-question-answer dataset (preset or column mapping) to GRPO-ready splits."""
    return Pipeline(
        [
            Node(generate_hf_vqa_raw, "params:hf_vqa", "hf_vqa_raw", name="generate_hf_vqa_raw"),
            Node(ingest_hf_vqa, ["hf_vqa_raw", "params:hf_vqa"], "hf_vqa_ingested",
                 name="ingest_hf_vqa"),
            Node(validate_hf_vqa, ["hf_vqa_ingested", "params:hf_vqa"],
                 ["hf_vqa_valid", "hf_vqa_rejects"], name="validate_hf_vqa"),
            Node(build_hf_vqa_prompts, ["hf_vqa_valid", "params:hf_vqa"], "hf_vqa_model_input",
                 name="build_hf_vqa_prompts"),
            Node(split_hf_vqa, ["hf_vqa_model_input", "params:hf_vqa"],
                 ["hf_vqa_train", "hf_vqa_test"], name="split_hf_vqa"),
            Node(report_hf_vqa, ["hf_vqa_ingested", "hf_vqa_train", "hf_vqa_test",
                                 "hf_vqa_rejects"], "hf_vqa_report", name="report_hf_vqa"),
        ],
        tags=["data", "hf_vqa"],
    )
