"""The `latex_ocr` pipeline: generate -> ingest -> normalise -> render -> prompts -> split."""

from kedro.pipeline import Node, Pipeline

from mathrl_pipeline.tasks.latex_ocr import build_latex_rows, generate_latex_ocr

from ..data.pipeline import (
    ingest_node,
    rejects_node,
    render_node,
    report_node,
    split_node,
    task_pipeline,
)
from .nodes import normalize_latex_ocr


def create_pipeline(**kwargs) -> Pipeline:
    """Formula lists (im2latex-style or any formula column) to GRPO-ready OCR splits."""
    return task_pipeline("latex_ocr", [
        Node(generate_latex_ocr, ["params:latex_ocr.embedded", "params:latex_ocr.source"],
             "latex_ocr_raw",
             name="generate_latex_ocr"),
        ingest_node("latex_ocr"),
        Node(normalize_latex_ocr, ["latex_ocr_ingested", "params:latex_ocr.render",
                                   "params:latex_ocr.images", "params:latex_ocr.source"],
             ["latex_ocr_normalized", "latex_ocr_rejects_normalize"], name="normalize_latex_ocr"),
        render_node("latex_ocr", "latex_ocr_normalized"),
        Node(build_latex_rows, ["latex_ocr_rendered", "params:latex_ocr.prompt"],
             "latex_ocr_model_input", name="build_latex_ocr_prompts"),
        split_node("latex_ocr"),
        rejects_node("latex_ocr", ["normalize", "render"]),
        report_node("latex_ocr", "latex_ocr_ingested", ["train", "test"],
                    source="latex_ocr_source"),
    ])
