"""The tiny model's tokenizer: a byte-level BPE trained locally, with a family's special tokens.

The corpus is the project's text (questions, solutions), its prompt templates, digits and LaTeX.
The R1 tags ``<think>``, ``</think>``, ``<answer>``, ``</answer>`` are *ordinary text*, as in Qwen
(the BPE learns them from the prompt templates, so each is one or a few learnable tokens).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mathrl_pipeline.models.family import ModelFamily

R1_TAGS: tuple[str, ...] = ("<think>", "</think>", "<answer>", "</answer>")
# Always in the corpus so that answers, arithmetic and LaTeX tokenise into short pieces.
BASE_CORPUS: tuple[str, ...] = (
    "0 1 2 3 4 5 6 7 8 9 10 100 1000 0.5 -1 + - * / = < > ( ) [ ] { } ^ _ , . ; : ! ? % $",
    r"\frac{1}{2} \sqrt{2} \pi \cdot \times \div \le \ge \ne \infty \sum \int \log \sin \cos",
    r"\alpha \beta \gamma \theta x y z n k a b c f(x) x^2 \left( \right) \boxed{42}",
    "The answer is 7. Let me solve this step by step. First, second, then, so, therefore.",
    "wait, let me check again. Hmm, alternatively, verify: recheck the result.",
    "A B C D (A) (B) (C) (D) yes no true false",
)


def tokenizer_corpus(texts: Iterable[str]) -> list[str]:
    """The tokenizer's training text: given texts, prompt templates, R1 tags, digits and LaTeX."""
    from mathrl_pipeline.tasks import prompts

    corpus = [t for t in texts if t]
    templates = [
        prompts.R1_SYSTEM_PROMPT,
        prompts.DIRECT_SYSTEM_PROMPT,
        prompts.BASE_TEMPLATE.format(image="", instruction=prompts.DEFAULT_INSTRUCTION),
        prompts.DEFAULT_INSTRUCTION,
    ]
    tags = " ".join(
        f"{R1_TAGS[0]} reasoning {R1_TAGS[1]}{R1_TAGS[2]} {d} {R1_TAGS[3]}" for d in "0123456789"
    )
    # Repeat the fixed texts so their merges win against a large data corpus.
    return corpus + (templates + [tags] + list(BASE_CORPUS)) * 20


def train_tokenizer(corpus: Iterable[str], vocab_size: int, family: ModelFamily) -> Any:
    """A byte-level BPE (the family's split pattern and special tokens), trained on ``corpus``."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(family.pretokenizer_pattern), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(family.special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(corpus), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=family.eos_token,
        pad_token=family.pad_token,
        unk_token=None,
        bos_token=None,
        model_max_length=32768,
        padding_side="left",
        clean_up_tokenization_spaces=False,
        chat_template=family.chat_template(),
    )
