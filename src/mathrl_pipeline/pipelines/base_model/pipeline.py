"""The `base_model` pipeline: tokenizer corpus -> tiny model (-> optional pre-training)."""

from kedro.pipeline import Node, Pipeline

from .nodes import build_base_model, collect_tokenizer_corpus, pretrain_base_model


def create_pipeline(pretrain: bool = False, **kwargs) -> Pipeline:
    """Build the embedded tiny model (or record a Hub id) as the versioned `base_model`.

    With ``pretrain``, the random model is first pre-trained on `pretrain_corpus` (rows of
    prompt, image, completion), which makes it a small *base model* (the embedded default's
    stand-in for Qwen2-VL-2B's pre-training; see docs/miniature_r1_zero.md). The nodes read
    slices of `base_model`; a GRPO run maps them to its own block (`base_model_<task>`).
    """
    built = "base_model_init" if pretrain else "base_model"
    nodes = [
        Node(
            collect_tokenizer_corpus,
            ["tokenizer_corpus_split", "params:base_model.corpus"],
            "tokenizer_corpus",
            name="collect_tokenizer_corpus",
        ),
        Node(
            build_base_model,
            ["tokenizer_corpus", "params:base_model.source", "params:base_model.tiny"],
            built,
            name="build_base_model",
        ),
    ]
    if pretrain:
        nodes.append(
            Node(
                pretrain_base_model,
                ["base_model_init", "pretrain_corpus", "params:base_model.pretrain"],
                "base_model",
                name="pretrain_base_model",
            )
        )
    return Pipeline(nodes, tags=["model", "base_model"])
