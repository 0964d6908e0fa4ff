"""A pandas parquet dataset that converts, writes and reads a frame slice by slice.

``pandas.ParquetDataset`` turns the whole frame into one Arrow table before writing, and reads
the whole file into Arrow before building the frame: with images in the rows that is a second
full copy (and more while Arrow's buffers grow). This dataset writes one row group per slice of
``rows_per_slice`` rows through a ``pyarrow.parquet.ParquetWriter`` and reads the file back batch
by batch, so memory holds the frame plus one slice. The file is an ordinary parquet file and
``load`` returns the whole frame in one call, like ``pandas.ParquetDataset`` (whose other
options, versioning and remote protocols it keeps; remote paths use the parent's code).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io.core import get_filepath_str
from kedro_datasets.pandas import ParquetDataset

logger = logging.getLogger(__name__)


class SlicedParquetDataset(ParquetDataset):
    """``pandas.ParquetDataset`` with bounded conversion memory (see the module docstring).

    Example catalog entry::

        deepmath_train:
          type: mathrl_pipeline.datasets.sliced_parquet.SlicedParquetDataset
          filepath: data/05_model_input/deepmath_train.parquet
          versioned: true
    """

    def __init__(self, *, rows_per_slice: int = 2048, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows_per_slice = max(1, int(rows_per_slice))

    def save(self, data: pd.DataFrame) -> None:
        """Write ``data`` one slice (row group) at a time."""
        if self._protocol != "file" or self._save_args:
            super().save(data)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = Path(get_filepath_str(self._get_save_path(), self._protocol))
        path.parent.mkdir(parents=True, exist_ok=True)
        step = self._rows_per_slice
        try:
            schema = self._final_schema(_schema(data, step))
            with pq.ParquetWriter(path, schema) as writer:
                for start in range(0, max(len(data), 1), step):
                    piece = data.iloc[start:start + step]
                    writer.write_table(pa.Table.from_pandas(piece, schema=schema,
                                                            preserve_index=False))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            logger.info("%s: slices disagree on a column type (%s); writing it whole", path, exc)
            path.unlink(missing_ok=True)
            super().save(data)
            return
        self._invalidate_cache()

    def _final_schema(self, schema: Any) -> Any:
        """The schema the file is written with (subclasses add types and metadata)."""
        return schema

    def load(self) -> pd.DataFrame:
        """The whole frame, read batch by batch."""
        if self._protocol != "file" or set(self._load_args) - {"columns"}:
            return super().load()
        import pyarrow.parquet as pq

        path = get_filepath_str(self._get_load_path(), self._protocol)
        handle = pq.ParquetFile(path, buffer_size=2**20, pre_buffer=False)
        columns = self._load_args.get("columns")
        frames = [batch.to_pandas() for batch in
                  handle.iter_batches(batch_size=self._rows_per_slice, columns=columns)]
        if not frames:
            return handle.schema_arrow.empty_table().to_pandas()
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _schema(data: pd.DataFrame, step: int) -> Any:
    """The Arrow schema of ``data``: every slice's inferred schema, unified (a column that is
    null, or a list of nulls, in one slice takes its type from the others)."""
    import pyarrow as pa

    schemas = [pa.Schema.from_pandas(data.iloc[start:start + step], preserve_index=False)
               for start in range(0, max(len(data), 1), step)]
    return pa.unify_schemas(schemas, promote_options="permissive")
