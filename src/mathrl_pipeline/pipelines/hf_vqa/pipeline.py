"""The `hf_vqa` pipeline: generate (embedded), ingest, validate, prompts, split, report."""

from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.hf_vqa import build_vqa_rows, generate_hf_vqa, validate_vqa_rows

from ..data.pipeline import rejects_node, report_node, split_node, task_pipeline
from .nodes import ingest_hf_vqa


def create_pipeline(**kwargs) -> Pipeline:
    """Any image-question dataset (a preset or a column mapping) to GRPO-ready splits."""
    return task_pipeline("hf_vqa", [
        Node(generate_hf_vqa, ["params:hf_vqa.embedded", "params:hf_vqa.source"], "hf_vqa_raw",
             name="generate_hf_vqa"),
        Node(ingest_hf_vqa, ["hf_vqa_raw", "params:hf_vqa.source"],
             ["hf_vqa_ingested", "hf_vqa_source"],
             name="ingest_hf_vqa"),
        Node(validate_vqa_rows, ["hf_vqa_ingested", "params:hf_vqa.source"],
             ["hf_vqa_valid", "hf_vqa_rejects_validate"], name="validate_hf_vqa"),
        Node(build_vqa_rows, ["hf_vqa_valid", "params:hf_vqa.prompt", "params:hf_vqa.source"],
             "hf_vqa_model_input", name="build_hf_vqa_prompts"),
        split_node("hf_vqa"),
        rejects_node("hf_vqa", ["validate"]),
        report_node("hf_vqa", "hf_vqa_ingested", ["train", "test"], by="answer_type",
                    source="hf_vqa_source"),
    ])
