"""An image-only Qwen2.5-VL processor that needs no torchvision.

With transformers 5.x the stock ``Qwen2_5_VLProcessor`` requires a video processor, and every video
processor imports torchvision, which this CPU stack cannot import. ``ImageOnlyQwen2_5_VLProcessor``
is the stock processor minus the video attribute (``Qwen2VLImageProcessorPil`` does the images);
registering it for ``Qwen2_5_VLConfig`` lets ``AutoProcessor`` save and load it like any other.
"""

from __future__ import annotations

import logging
from typing import Any

from transformers import AutoProcessor, Qwen2_5_VLConfig
from transformers.models.qwen2_5_vl.processing_qwen2_5_vl import Qwen2_5_VLProcessor
from transformers.processing_utils import ProcessorMixin

logger = logging.getLogger(__name__)


class ImageOnlyQwen2_5_VLProcessor(Qwen2_5_VLProcessor):  # noqa: N801 (transformers naming)
    """Qwen2.5-VL processor with an image processor and a tokenizer only (no torchvision)."""

    def __init__(
        self,
        image_processor: Any = None,
        tokenizer: Any = None,
        chat_template: Any = None,
        **kwargs,
    ) -> None:
        self.image_token = getattr(tokenizer, "image_token", None) or "<|image_pad|>"
        self.video_token = getattr(tokenizer, "video_token", None) or "<|video_pad|>"
        self.image_token_id = tokenizer.convert_tokens_to_ids(self.image_token)
        self.video_token_id = tokenizer.convert_tokens_to_ids(self.video_token)
        ProcessorMixin.__init__(self, image_processor, tokenizer, chat_template=chat_template)


def register_image_only_processor() -> None:
    """Make ``AutoProcessor`` build the image-only processor for Qwen2.5-VL configs (idempotent)."""
    AutoProcessor.register(Qwen2_5_VLConfig, ImageOnlyQwen2_5_VLProcessor, exist_ok=True)
