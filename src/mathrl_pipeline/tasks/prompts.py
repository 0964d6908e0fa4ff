"""R1-Zero prompt templates of the anchors, as conversational or plain-text prompts.

Two styles, chosen by parameter:

* ``instruct`` (Math-OCR-Zero, R1-V, open-r1-multimodal on Qwen2.5-VL-*-Instruct): a chat with a
  system prompt asking for ``<think>...</think>`` then ``<answer>...</answer>``, and a user turn
  holding one image block and the instruction text. TRL's GRPOTrainer applies the chat template.
* ``base`` (VisualThinker-R1-Zero on Qwen2-VL-2B base): one plain string with the model's image
  placeholder, ending in ``<think>`` so that the completion starts inside the thinking block.
* ``direct`` (evaluation only, R1-V#72): the same chat, asking for the answer alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mathrl_pipeline.models.qwen2_vl import QWEN_IMAGE_PLACEHOLDER
from mathrl_pipeline.params import StrictParams

PromptStyle = Literal["instruct", "base", "direct"]

R1_SYSTEM_PROMPT = (
    "A conversation between User and Assistant. The user asks a question, and the Assistant "
    "solves it. The assistant first thinks about the reasoning process in the mind and then "
    "provides the user with the answer. The reasoning process and answer are enclosed within "
    "<think> </think> and <answer> </answer> tags, respectively, i.e., "
    "<think> reasoning process here </think><answer> answer here </answer>"
)

DIRECT_SYSTEM_PROMPT = (
    "You are a helpful assistant. Answer the question about the image. Put only the final "
    "answer inside <answer> </answer> tags."
)

BASE_TEMPLATE = (
    "A conversation between User and Assistant. The user asks a question about the image, and "
    "the Assistant solves it. The assistant first thinks about the reasoning process in the mind "
    "and then provides the user with the answer. The reasoning process and answer are enclosed "
    "within <think> </think> and <answer> </answer> tags, respectively.\n"
    "User: {image}{instruction}\nAssistant: Let me solve this step by step.\n<think>"
)

DEFAULT_INSTRUCTION = (
    "Solve the math problem shown in the image. Output the thinking process in <think> </think> "
    "and the final answer in <answer> </answer> tags."
)


class PromptParams(StrictParams):
    """``<task>.prompt``: the template style, and the texts that replace the task's defaults."""

    style: PromptStyle = "instruct"
    system_prompt: str | None = None  # None: the task's default system prompt
    instruction: str | None = None  # None: the task's default instruction


@dataclass(frozen=True)
class PromptTemplate:
    """How to turn an instruction (and one image) into a GRPOTrainer prompt."""

    style: PromptStyle = "instruct"
    system_prompt: str = R1_SYSTEM_PROMPT
    image_placeholder: str = QWEN_IMAGE_PLACEHOLDER
    base_template: str = BASE_TEMPLATE

    @classmethod
    def from_params(
        cls,
        params: PromptParams,
        system_prompt: str = R1_SYSTEM_PROMPT,
        base_template: str = BASE_TEMPLATE,
    ) -> PromptTemplate:
        """The template of ``params``, with the task's defaults where a text is not set."""
        chosen = system_prompt if params.system_prompt is None else params.system_prompt
        return cls(style=params.style, system_prompt=chosen, base_template=base_template)

    def build(self, instruction: str) -> list[dict[str, Any]] | str:
        """Return the prompt for one row: a message list (instruct/direct) or a string (base)."""
        if self.style == "base":
            return self.base_template.format(image=self.image_placeholder, instruction=instruction)
        system = DIRECT_SYSTEM_PROMPT if self.style == "direct" else self.system_prompt
        return conversational_prompt(system, instruction)


def conversational_prompt(system: str, instruction: str) -> list[dict[str, Any]]:
    """A chat prompt with a system turn and a user turn holding one image block then the text.

    Every content block has the same keys (``type``, ``text``) so that the column stores as one
    Arrow type in parquet; the image block's ``text`` is ``None``.
    """
    messages: list[dict[str, Any]] = []
    if system:
        messages.append({"role": "system", "content": [{"type": "text", "text": system}]})
    messages.append(
        {
            "role": "user",
            "content": [{"type": "image", "text": None}, {"type": "text", "text": instruction}],
        }
    )
    return messages
