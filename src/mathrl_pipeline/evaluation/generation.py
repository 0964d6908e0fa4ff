"""Batched response generation: HF ``generate`` (default) or vLLM (guarded, when installed).

Prompts are contract prompts: chat messages (rendered with the processor's chat template and the
generation prompt) or ``base``-style strings (used verbatim). Batches are left-padded, so greedy
decoding of a batch gives the same tokens as one prompt at a time (tested on the tiny model).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from mathrl_pipeline.contract import plain
from mathrl_pipeline.params import StrictParams
from mathrl_pipeline.progress import ProgressLog

logger = logging.getLogger(__name__)


class DecodeSettings(StrictParams):
    """One decoding mode: greedy (``do_sample=False``) or sampling, ``num_samples`` per prompt.

    The type of ``evaluate.greedy`` and ``evaluate.sampled``; ``temperature``, ``top_p`` and
    ``top_k`` (``None`` or 0: no top-k cut) apply to sampling only.
    """

    max_new_tokens: int = Field(256, ge=1)
    do_sample: bool = False
    num_samples: int = Field(1, ge=1)
    temperature: float = Field(1.0, gt=0)
    top_p: float = Field(1.0, gt=0, le=1)
    top_k: int | None = Field(None, ge=0)
    seed: int = 0


@dataclass
class Generation:
    """One generated response of input row ``row`` (``sample``-th sample)."""

    row: int
    sample: int
    text: str
    token_ids: list[int] = field(repr=False)
    length: int
    truncated: bool


def to_image(cell: Any) -> Any:
    """A contract image cell (``{"bytes": PNG, "path": ...}``) or PIL image as an RGB PIL image."""
    from PIL import Image

    if isinstance(cell, dict):
        if cell.get("bytes") is not None:
            return Image.open(io.BytesIO(cell["bytes"])).convert("RGB")
        return Image.open(cell["path"]).convert("RGB")
    return cell.convert("RGB")


def render_prompt(processor: Any, prompt: Any) -> str:
    """The model input text: a chat prompt through the chat template, a string prompt verbatim."""
    prompt = plain(prompt)
    if isinstance(prompt, str):
        return prompt
    return processor.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)


def eos_ids(model: Any, processor: Any) -> set[int]:
    """Token ids that end a response (generation config's eos ids, else the tokenizer's)."""
    eos = getattr(model.generation_config, "eos_token_id", None)
    if eos is None:
        eos = processor.tokenizer.eos_token_id
    return set(eos if isinstance(eos, list) else [eos])


def _trim(ids: list[int], stop: set[int], max_new_tokens: int) -> tuple[list[int], bool]:
    for i, tok in enumerate(ids):
        if tok in stop:
            return ids[:i], False
    return ids, len(ids) >= max_new_tokens


def _generate_batch(
    model: Any,
    processor: Any,
    texts: list[str],
    images: list[Any],
    *,
    settings: DecodeSettings,
    stop: set[int],
) -> list[tuple[list[int], bool]]:
    import torch

    tokenizer = processor.tokenizer
    tokenizer.padding_side = "left"
    enc = processor(text=texts, images=images, return_tensors="pt", padding=True)
    enc = enc.to(model.device)
    kwargs: dict[str, Any] = {
        "max_new_tokens": settings.max_new_tokens,
        "do_sample": settings.do_sample,
        "num_return_sequences": settings.num_samples,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if settings.do_sample:
        kwargs.update(temperature=settings.temperature, top_p=settings.top_p)
        kwargs["top_k"] = settings.top_k if settings.top_k is not None else 0
        torch.manual_seed(settings.seed)
    else:
        kwargs.update(temperature=None, top_p=None, top_k=None)
    with torch.inference_mode():
        out = model.generate(**enc, **kwargs)
    new = out[:, enc["input_ids"].shape[1] :].tolist()
    return [_trim(ids, stop, settings.max_new_tokens) for ids in new]


def generate_hf(
    model: Any,
    processor: Any,
    prompts: Sequence[Any],
    images: Sequence[Any],
    settings: DecodeSettings,
    *,
    batch_size: int = 8,
    sort_by_length: bool = True,
) -> list[Generation]:
    """Generate ``settings.num_samples`` responses per prompt with HF ``generate`` in batches.

    Prompts are sorted by rendered length (less padding) when ``sort_by_length``; results come
    back in input order, ``num_samples`` consecutive entries per row.
    """
    if len(prompts) != len(images):
        raise ValueError(f"{len(prompts)} prompts but {len(images)} images")
    model.eval()
    texts = [render_prompt(processor, p) for p in prompts]
    order = list(range(len(texts)))
    if sort_by_length:
        order.sort(key=lambda i: len(texts[i]))
    stop = eos_ids(model, processor)
    results: dict[int, list[tuple[list[int], bool]]] = {}
    start = time.perf_counter()
    label = f"evaluate: generate ({'sampled' if settings.do_sample else 'greedy'})"
    progress = ProgressLog(len(texts), label, unit="prompts", logger=logger)
    for lo in range(0, len(order), batch_size):
        idx = order[lo : lo + batch_size]
        batch_images = [to_image(images[i]) for i in idx]
        outs = _generate_batch(
            model, processor, [texts[i] for i in idx], batch_images, settings=settings, stop=stop
        )
        n = settings.num_samples
        for j, i in enumerate(idx):
            results[i] = outs[j * n : (j + 1) * n]
        progress.update(len(idx))
    progress.close(log=False)  # the line below says it all
    logger.info(
        "Generated %d x %d responses in %.1f s (batch size %d, sampling=%s)",
        len(texts),
        settings.num_samples,
        time.perf_counter() - start,
        batch_size,
        settings.do_sample,
    )
    generations: list[Generation] = []
    for i in range(len(texts)):
        for s, (ids, truncated) in enumerate(results.get(i, [])):
            text = processor.tokenizer.decode(ids, skip_special_tokens=True)
            generations.append(Generation(i, s, text, ids, len(ids), truncated))
    return generations


def vllm_available() -> bool:
    """Whether vLLM can be imported (GPU nodes with the ``vllm`` extra only)."""
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return True


def generate_vllm(
    model_path: str,
    processor: Any,
    prompts: Sequence[Any],
    images: Sequence[Any],
    settings: DecodeSettings,
    *,
    engine_kwargs: dict[str, Any] | None = None,
) -> list[Generation]:
    """Generate with vLLM's offline ``LLM.generate`` (one image per prompt); needs vLLM."""
    try:
        from vllm import LLM, SamplingParams
    except ImportError as exc:  # pragma: no cover - vLLM is not installed on the CPU stack
        raise ImportError(
            "evaluate.backend is 'vllm' but vLLM is not installed; install the `vllm` extra in a "
            "separate GPU environment (see docs/evaluation.md) or use backend: hf"
        ) from exc
    llm = LLM(model=model_path, limit_mm_per_prompt={"image": 1}, **(engine_kwargs or {}))
    params = SamplingParams(
        n=settings.num_samples,
        temperature=settings.temperature if settings.do_sample else 0.0,
        top_p=settings.top_p if settings.do_sample else 1.0,
        top_k=(settings.top_k or -1) if settings.do_sample else -1,
        max_tokens=settings.max_new_tokens,
        seed=settings.seed,
    )
    requests = [
        {"prompt": render_prompt(processor, p), "multi_modal_data": {"image": to_image(img)}}
        for p, img in zip(prompts, images, strict=True)
    ]
    outputs = llm.generate(requests, params)
    generations: list[Generation] = []
    for i, request_output in enumerate(outputs):
        for s, completion in enumerate(request_output.outputs):
            ids = list(completion.token_ids)
            truncated = completion.finish_reason == "length"
            generations.append(Generation(i, s, completion.text, ids, len(ids), truncated))
    return generations
