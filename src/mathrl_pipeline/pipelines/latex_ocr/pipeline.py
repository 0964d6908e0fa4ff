"""The `latex_ocr` pipeline: generate -> ingest -> normalise -> render -> prompts -> split."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_latex_ocr_prompts,
    collect_latex_ocr_rejects,
    generate_latex_ocr_raw,
    ingest_latex_ocr,
    normalize_latex_ocr,
    render_latex_ocr,
    report_latex_ocr,
    split_latex_ocr,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Formula lists (im2latex-style or any formula column) to GRPO-ready OCR splits."""
    return Pipeline(
        [
            Node(generate_latex_ocr_raw, "params:latex_ocr", "latex_ocr_raw",
                 name="generate_latex_ocr_raw"),
            Node(ingest_latex_ocr, ["latex_ocr_raw", "params:latex_ocr"], "latex_ocr_ingested",
                 name="ingest_latex_ocr"),
            Node(normalize_latex_ocr, ["latex_ocr_ingested", "params:latex_ocr"],
                 ["latex_ocr_normalized", "latex_ocr_rejects_normalize"],
                 name="normalize_latex_ocr"),
            Node(render_latex_ocr, ["latex_ocr_normalized", "params:latex_ocr"],
                 ["latex_ocr_rendered", "latex_ocr_rejects_render"], name="render_latex_ocr"),
            Node(build_latex_ocr_prompts, ["latex_ocr_rendered", "params:latex_ocr"],
                 "latex_ocr_model_input", name="build_latex_ocr_prompts"),
            Node(split_latex_ocr, ["latex_ocr_model_input", "params:latex_ocr"],
                 ["latex_ocr_train", "latex_ocr_test"], name="split_latex_ocr"),
            Node(collect_latex_ocr_rejects,
                 ["latex_ocr_rejects_normalize", "latex_ocr_rejects_render"],
                 "latex_ocr_rejects", name="collect_latex_ocr_rejects"),
            Node(report_latex_ocr, ["latex_ocr_ingested", "latex_ocr_normalized",
                                    "latex_ocr_train", "latex_ocr_test", "latex_ocr_rejects"],
                 "latex_ocr_report", name="report_latex_ocr"),
        ],
        tags=["data", "latex_ocr"],
    )
