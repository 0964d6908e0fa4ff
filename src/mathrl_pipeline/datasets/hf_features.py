"""Hugging Face ``datasets`` feature metadata in the parquet files of the splits.

``datasets.load_dataset("parquet", data_files=...)`` (and the Hub's viewer, ``push_to_hub``) read
the column types from the ``huggingface`` key of the parquet schema metadata, as ``datasets``
writes it: ``{"info": {"features": {..., "image": {"_type": "Image"}}}}``. Without it, an image
column is a plain struct of bytes. :func:`with_image_features` gives a schema the image columns
typed as ``datasets.Image()`` (``image``; ``images``: a list of them) and that metadata.
"""

from __future__ import annotations

import json
from typing import Any

HF_METADATA_KEY = b"huggingface"
IMAGE_COLUMNS = ("image", "images")


def _is_image_struct(arrow_type: Any) -> bool:
    import pyarrow as pa

    return pa.types.is_struct(arrow_type) and arrow_type.get_field_index("bytes") >= 0


def with_image_features(schema: Any) -> Any:
    """``schema`` with ``image`` / ``images`` columns as ``datasets.Image()`` (storage
    ``struct<bytes: binary, path: string>``) and the ``huggingface`` feature metadata."""
    import pyarrow as pa
    from datasets import Features, Image, List

    image_type = Image().pa_type
    fields, images = [], {}
    for field in schema:
        kind = field.type
        if field.name in IMAGE_COLUMNS and _is_image_struct(kind):
            fields.append(pa.field(field.name, image_type))
            images[field.name] = Image()
        elif (field.name in IMAGE_COLUMNS and pa.types.is_list(kind)
              and _is_image_struct(kind.value_type)):
            fields.append(pa.field(field.name, pa.list_(image_type)))
            images[field.name] = List(Image())
        else:
            fields.append(field)
    typed = pa.schema(fields, metadata=schema.metadata)
    features = Features.from_arrow_schema(typed.remove_metadata())
    for name, feature in images.items():
        features[name] = feature
    metadata = dict(schema.metadata or {})
    metadata[HF_METADATA_KEY] = json.dumps({"info": {"features": features.to_dict()}})
    return typed.with_metadata(metadata)
