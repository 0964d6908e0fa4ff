"""The `base_model` pipeline: tokenizer corpus -> tiny model (a `pretrain` node slots in after)."""

from kedro.pipeline import Node, Pipeline

from .nodes import build_base_model, collect_tokenizer_corpus


def create_pipeline(**kwargs) -> Pipeline:
    """Build the embedded tiny Qwen2.5-VL (or record a Hub id) as the versioned `base_model`.

    A later `pretrain` node goes after `build_base_model`: rename its output to
    `base_model_init` and let `pretrain(base_model_init) -> base_model`.
    """
    return Pipeline(
        [
            Node(
                collect_tokenizer_corpus,
                ["tokenizer_corpus_split", "params:base_model"],
                "tokenizer_corpus",
                name="collect_tokenizer_corpus",
            ),
            Node(
                build_base_model,
                ["tokenizer_corpus", "params:base_model"],
                "base_model",
                name="build_base_model",
            ),
        ],
        tags=["model", "base_model"],
    )
