"""Models of the seeds' real shapes, saved in their Hub repositories' folder layout.

Qwen/Qwen2-VL-2B (VisualThinker-R1-Zero), Qwen/Qwen2-VL-2B-Instruct (R1-V, open-r1-multimodal)
and Qwen/Qwen2.5-VL-3B-Instruct (Math-OCR-Zero, the LaTeX-OCR recipe), written as those repos
hold them: ``config.json``, ``generation_config.json``, ``preprocessor_config.json``,
``tokenizer_config.json``, ``chat_template.json``, ``vocab.json`` + ``merges.txt`` +
``tokenizer.json``, and sharded ``model-0000N-of-0000M.safetensors`` with their index.

What is real (``/work/notes/models_and_anchors.md`` A.2-A.7, stored copies of the Hub files):
every ``config.json`` value (hidden sizes, heads, kv heads, intermediate sizes, vision width /
heads / patch / merge / temporal patch / window / full-attention blocks, M-RoPE sections, rope
theta, image / video / vision token ids, vocabulary size 151,936, tied embeddings, bf16),
``preprocessor_config.json`` (pixel budget 3136 .. 12845056, mean / std), the generation
configs, the chat templates (the base model's pass-through one, the Instruct one) and the
tokenizer configs' special tokens at their ids (151643 .. 151656; 151657 .. 151664 for
Qwen2.5-VL). What is cut: ``num_hidden_layers`` (28 / 36 -> :data:`TEXT_LAYERS`) and the
vision ``depth`` (32 -> :data:`VISION_DEPTH`, ``fullatt_block_indexes`` [7, 15, 23, 31] -> the
last block, so a windowed block is followed by a full-attention one, as in every group of 8).
What is a stand-in: the weights (random, seeded) and the BPE vocabulary below the special
tokens: a byte-level BPE with Qwen2's split pattern trained here on a small corpus and padded
with unreachable filler entries to Qwen2's 151,643 regular tokens, so every special token has
its real id and ``len(tokenizer)`` is the real 151,657 (151,665 for Qwen2.5-VL). The real
``tokenizer.json`` (7 MB) is not in the stored copies.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

TEXT_LAYERS = 2  # of 28 (Qwen2-VL-2B) / 36 (Qwen2.5-VL-3B)
VISION_DEPTH = 2  # of 32
SEED = 0
QWEN_REGULAR_TOKENS = 151_643  # vocab.json of Qwen2 (ids 0 .. 151642)

# Qwen-VL's special tokens at their ids (tokenizer_config.json ``added_tokens_decoder``).
QWEN_VL_SPECIAL: dict[int, str] = {
    151643: "<|endoftext|>", 151644: "<|im_start|>", 151645: "<|im_end|>",
    151646: "<|object_ref_start|>", 151647: "<|object_ref_end|>", 151648: "<|box_start|>",
    151649: "<|box_end|>", 151650: "<|quad_start|>", 151651: "<|quad_end|>",
    151652: "<|vision_start|>", 151653: "<|vision_end|>", 151654: "<|vision_pad|>",
    151655: "<|image_pad|>", 151656: "<|video_pad|>",
}  # fmt: skip
# Qwen2.5-VL adds these (special: false).
QWEN2_5_VL_EXTRA: dict[int, str] = {
    151657: "<tool_call>", 151658: "</tool_call>", 151659: "<|fim_prefix|>",
    151660: "<|fim_middle|>", 151661: "<|fim_suffix|>", 151662: "<|fim_pad|>",
    151663: "<|repo_name|>", 151664: "<|file_sep|>",
}  # fmt: skip

# Qwen2-VL-2B (base): chat_template.json, a pass-through of content items (A.7).
BASE_CHAT_TEMPLATE = (
    "{% if messages is string %}{{ messages }}{% else %}{% for content in messages %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}{% endif %}"
)

_TOKEN_IDS = {
    "bos_token_id": 151643, "eos_token_id": 151645, "vision_start_token_id": 151652,
    "vision_end_token_id": 151653, "vision_token_id": 151654, "image_token_id": 151655,
    "video_token_id": 151656,
}  # fmt: skip
_TEXT_COMMON = {
    "attention_dropout": 0.0, "hidden_act": "silu", "initializer_range": 0.02,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
    "sliding_window": 32768, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
    "transformers_version": "4.41.2", "use_cache": True, "use_sliding_window": False,
    "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}, "vocab_size": 151936,
}  # fmt: skip

# config.json of Qwen/Qwen2-VL-2B (verbatim, A.2; -Instruct has the same values).
QWEN2_VL_2B_CONFIG: dict[str, Any] = {
    "architectures": ["Qwen2VLForConditionalGeneration"], **_TOKEN_IDS, **_TEXT_COMMON,
    "hidden_size": 1536, "intermediate_size": 8960, "max_position_embeddings": 32768,
    "max_window_layers": 28, "model_type": "qwen2_vl", "num_attention_heads": 12,
    "num_hidden_layers": 28,
    "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16,
                      "in_chans": 3, "hidden_size": 1536, "patch_size": 14,
                      "spatial_merge_size": 2, "spatial_patch_size": 14,
                      "temporal_patch_size": 2},
}  # fmt: skip
# config.json of Qwen/Qwen2.5-VL-3B-Instruct (A.2, from two identical copies).
QWEN2_5_VL_3B_CONFIG: dict[str, Any] = {
    "architectures": ["Qwen2_5_VLForConditionalGeneration"], **_TOKEN_IDS, **_TEXT_COMMON,
    "hidden_size": 2048, "intermediate_size": 11008, "max_position_embeddings": 128000,
    "max_window_layers": 70, "model_type": "qwen2_5_vl", "num_attention_heads": 16,
    "num_hidden_layers": 36,
    "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280,
                      "intermediate_size": 3420, "num_heads": 16, "in_chans": 3,
                      "out_hidden_size": 2048, "patch_size": 14, "spatial_merge_size": 2,
                      "spatial_patch_size": 14, "window_size": 112,
                      "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2,
                      "temporal_patch_size": 2},
}  # fmt: skip

_PIXELS = {
    "min_pixels": 3136, "max_pixels": 12845056, "patch_size": 14, "temporal_patch_size": 2,
    "merge_size": 2, "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "image_processor_type": "Qwen2VLImageProcessor",
}  # fmt: skip
# generation_config.json of Qwen/Qwen2-VL-2B (verbatim, A.6); the Instruct repos' sampling
# keys are the same in every copy seen (inferred for Qwen2.5-VL-3B-Instruct).
GENERATION_CONFIG: dict[str, Any] = {
    "bos_token_id": 151643, "pad_token_id": 151643, "do_sample": True,
    "eos_token_id": [151645, 151643], "repetition_penalty": 1.05, "temperature": 0.1,
    "top_p": 0.001, "top_k": 1, "transformers_version": "4.37.0",
}  # fmt: skip


@dataclass(frozen=True)
class HubRepo:
    """One Hub repository's files, as far as a test model needs them."""

    repo_id: str
    config: dict[str, Any]
    processor_class: str
    chat_template: str
    model_max_length: int
    padding_side: str
    extra_tokens: dict[int, str] = field(default_factory=dict)

    @property
    def model_type(self) -> str:
        """The config's ``model_type`` (the family)."""
        return str(self.config["model_type"])


def _instruct_template() -> str:
    from mathrl_pipeline.models.qwen2_vl import qwen_vl_chat_template

    return qwen_vl_chat_template()  # TRL's byte-identical copy of the Hub's (A.7)


def repos() -> dict[str, HubRepo]:
    """The three Hub repositories the seeds train, by id."""
    instruct = _instruct_template()
    return {
        "Qwen/Qwen2-VL-2B": HubRepo("Qwen/Qwen2-VL-2B", QWEN2_VL_2B_CONFIG, "Qwen2VLProcessor",
                                    BASE_CHAT_TEMPLATE, 32768, "left"),
        "Qwen/Qwen2-VL-2B-Instruct": HubRepo("Qwen/Qwen2-VL-2B-Instruct", QWEN2_VL_2B_CONFIG,
                                             "Qwen2VLProcessor", instruct, 32768, "left"),
        "Qwen/Qwen2.5-VL-3B-Instruct": HubRepo(
            "Qwen/Qwen2.5-VL-3B-Instruct", QWEN2_5_VL_3B_CONFIG, "Qwen2_5_VLProcessor", instruct,
            131072, "right", QWEN2_5_VL_EXTRA),
    }


def cut_config(config: dict[str, Any]) -> dict[str, Any]:
    """The repo's config with only the layer counts cut (and full-attention blocks kept valid)."""
    cut = json.loads(json.dumps(config))
    cut["num_hidden_layers"] = TEXT_LAYERS
    vision = cut["vision_config"]
    vision["depth"] = VISION_DEPTH
    if "fullatt_block_indexes" in vision:
        vision["fullatt_block_indexes"] = [VISION_DEPTH - 1]
    return cut


MATH_OCR_ZERO_SYSTEM = (  # minlik/math-ocr-zero examples/data_preprocess/deepmath_ocr.py l.28
    "You are a helpful assistant. The User asks a question, and you solve it. You should first "
    "think about the reasoning process in the mind and then provides the user with the answer. "
    "The reasoning process and answer should be enclosed within <think> </think> and <answer> "
    "</answer> tags, respectively. i.e., <think> reasoning process here </think> <answer> answer "
    "here </answer>"
)


def _corpus() -> list[str]:
    """Text the stand-in BPE learns its merges from: the seeds' prompts, so that a prompt takes
    about as many tokens as with Qwen's real vocabulary (about one per word)."""
    from mathrl_pipeline.models.tokenizer import tokenizer_corpus
    from mathrl_pipeline.tasks import cvbench, hf_vqa, latex_ocr, sat

    prompts = [
        MATH_OCR_ZERO_SYSTEM, "solve the problem:", "You are a helpful assistant.",
        sat.VISUALTHINKER_BASE_TEMPLATE, sat.VISUALTHINKER_QUESTION_TEMPLATE,
        cvbench.VISUALTHINKER_CVBENCH_BASE_TEMPLATE, hf_vqa.QUESTION_TEMPLATE,
        latex_ocr.LATEX_SYSTEM_PROMPT, latex_ocr.LATEX_INSTRUCTION, latex_ocr.DIRECT_INSTRUCTION,
        "Answer in natural language. Choose between the following options",
        "How many items are there in the image? Select from the following choices.",
        "Recognize the equation in the image; return only the code between <latex> and </latex>.",
        "\\frac{a}{b} + \\sqrt{x} = \\sum_{n=1}^{\\infty} x^{2}",
    ]
    return tokenizer_corpus(prompts * 20)


def stand_in_tokenizer(repo: HubRepo) -> Any:
    """A ``tokenizers.Tokenizer``: local BPE padded to 151,643 tokens, then the special ones."""
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        trainers,
    )

    from mathrl_pipeline.models.qwen2_vl import QWEN_PRETOKENIZER_PATTERN

    split = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_PRETOKENIZER_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    learner = Tokenizer(models.BPE())
    learner.pre_tokenizer = split
    trainer = trainers.BpeTrainer(vocab_size=4000, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    learner.train_from_iterator(_corpus(), trainer=trainer)
    learned = json.loads(learner.to_str())["model"]
    vocab = dict(learned["vocab"])
    filler = 0
    while len(vocab) < QWEN_REGULAR_TOKENS:  # unreachable: no merge produces them
        vocab.setdefault(f"<|stand_in_{filler}|>", len(vocab))
        filler += 1
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in learned["merges"]]
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = split
    tokenizer.decoder = decoders.ByteLevel()
    added = {**QWEN_VL_SPECIAL, **repo.extra_tokens}
    for token_id in sorted(added):
        special = token_id in QWEN_VL_SPECIAL
        tokenizer.add_tokens([AddedToken(added[token_id], special=special, normalized=False)])
        assert tokenizer.token_to_id(added[token_id]) == token_id, added[token_id]
    return tokenizer


def tokenizer_config(repo: HubRepo) -> dict[str, Any]:
    """``tokenizer_config.json`` in the Hub's form (A.5)."""
    added = {**QWEN_VL_SPECIAL, **repo.extra_tokens}
    decoder = {
        str(i): {"content": tok, "lstrip": False, "normalized": False, "rstrip": False,
                 "single_word": False, "special": i in QWEN_VL_SPECIAL}
        for i, tok in sorted(added.items())
    }  # fmt: skip
    return {
        "add_prefix_space": False, "added_tokens_decoder": decoder,
        "additional_special_tokens": [QWEN_VL_SPECIAL[i] for i in range(151644, 151657)],
        "bos_token": None, "chat_template": repo.chat_template,
        "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>", "errors": "replace",
        "model_max_length": repo.model_max_length, "pad_token": "<|endoftext|>",
        "padding_side": repo.padding_side, "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }  # fmt: skip


def _write_json(path: Path, value: dict[str, Any]) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_tokenizer_files(folder: Path, repo: HubRepo) -> None:
    """vocab.json, merges.txt, tokenizer.json and tokenizer_config.json of the stand-in BPE."""
    tokenizer = stand_in_tokenizer(repo)
    tokenizer.save(str(folder / "tokenizer.json"))
    model = json.loads(tokenizer.to_str())["model"]
    _write_json(folder / "vocab.json", model["vocab"])
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n",
                                       encoding="utf-8")
    _write_json(folder / "tokenizer_config.json", tokenizer_config(repo))


def write_weights(folder: Path, config: dict[str, Any], max_shard_size: str = "400MB") -> int:
    """Random bf16 weights of ``config`` as Hub-named safetensors shards; returns the count."""
    import tempfile

    import torch
    from transformers import AutoConfig, AutoModelForImageTextToText

    with tempfile.TemporaryDirectory() as scratch:
        _write_json(Path(scratch) / "config.json", config)
        parsed = AutoConfig.from_pretrained(scratch)
        torch.manual_seed(SEED)
        model = AutoModelForImageTextToText.from_config(parsed, dtype=torch.bfloat16)
        model.save_pretrained(scratch, max_shard_size=max_shard_size)
        n_params = sum(p.numel() for p in model.parameters())
        del model
        for path in Path(scratch).glob("model*.safetensors*"):
            path.replace(folder / path.name)
    return n_params


def write_hub_model(folder: Path, repo_id: str, weights_from: Path | None = None) -> Path:
    """A folder laid out like ``repo_id`` on the Hub, layers cut; weights linked if given."""
    repo = repos()[repo_id]
    folder.mkdir(parents=True, exist_ok=True)
    config = cut_config(repo.config)
    _write_json(folder / "config.json", config)
    _write_json(folder / "generation_config.json", GENERATION_CONFIG)
    _write_json(folder / "preprocessor_config.json",
                {**_PIXELS, "processor_class": repo.processor_class})
    _write_json(folder / "chat_template.json", {"chat_template": repo.chat_template})
    write_tokenizer_files(folder, repo)
    if weights_from is not None:  # same architecture (Qwen2-VL-2B and its Instruct)
        for path in weights_from.glob("model*.safetensors*"):
            (folder / path.name).hardlink_to(path)
    else:
        n_params = write_weights(folder, config)
        logger.info("Wrote %s-shaped model (%d parameters) to %s", repo_id, n_params, folder)
    return folder


def hub_model(root: Path, repo_id: str) -> Path:
    """The real-shaped folder of ``repo_id`` under ``root``, written once (a session's cache).

    Qwen2-VL-2B-Instruct shares the weights of Qwen2-VL-2B (hard links): same architecture.
    """
    folder = root / repo_id.replace("/", "--")
    done = folder / ".complete"
    if done.is_file():
        return folder
    shares = repo_id == "Qwen/Qwen2-VL-2B-Instruct"
    weights = hub_model(root, "Qwen/Qwen2-VL-2B") if shares else None
    write_hub_model(folder, repo_id, weights_from=weights)
    done.touch()
    return folder
