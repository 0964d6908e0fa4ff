"""Where a split's rows are read from: local files, a local Hub mirror, or a Hub stream.

A local mirror folder is resolved as the Hub resolves a repository: the card's YAML ``configs``
(``data_files`` per split), else the conventional file names (``data/<split>-*``,
``<split>-*``, ``*_<split>.parquet``, ...; ``datasets.data_files`` patterns), and only the
requested split's files are opened. Rows are read in batches with only the needed columns
(parquet: ``pyarrow`` row batches through a small read buffer, so that memory stays bounded
whatever a file's row-group size; jsonl / csv: pandas chunks), and nothing is cached: a mirror
rewritten in place is read afresh. A Hub id is streamed with ``datasets`` (no download of the
whole split); offline, the error names the Hub id and the parameter that points at a mirror.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

FORMATS: dict[str, str] = {".parquet": "parquet", ".jsonl": "jsonl", ".json": "json",
                           ".csv": "csv"}
FORMAT_PREFERENCE = ("parquet", "jsonl", "json", "csv")  # one format per split, the first found
BATCH_BYTES = 32 * 2**20  # a parquet row batch holds about this much of the needed columns
READ_BUFFER = 2**20  # pyarrow reads column chunks through a buffer of this size
TEXT_CHUNK_ROWS = 10_000
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(\n|\Z)", re.DOTALL)


class SourceError(ValueError):
    """A data source that cannot be loaded, with the parameter that named it."""


@dataclass(frozen=True)
class Location:
    """A resolved source: what it is, where its split's files are, where relative paths start."""

    kind: str  # "file" | "mirror" | "hub"
    path: str
    split: str
    files: tuple[Path, ...] = ()
    fmt: str | None = None
    root: Path | None = None
    name: str | None = None
    revision: str | None = None

    def describe(self) -> dict[str, Any]:
        """What the stage report says about the source."""
        out: dict[str, Any] = {"kind": self.kind, "path": self.path, "split": self.split}
        if self.name:
            out["name"] = self.name
        if self.revision:
            out["revision"] = self.revision
        if self.files:
            base = self.root or Path(self.path)
            out["files"] = [str(f.relative_to(base)) if f.is_relative_to(base) else str(f)
                            for f in self.files]
        return out


def is_hub_id(text: str) -> bool:
    """``owner/name`` with no local file or folder of that name."""
    return bool(_HUB_ID.match(text)) and not Path(text).exists()


# --------------------------------------------------------------------------------------------
# Resolution


def card_yaml(folder: Path) -> dict[str, Any]:
    """The YAML front matter of a mirror's ``README.md`` ({} when there is none)."""
    import yaml

    readme = folder / "README.md"
    if not readme.is_file():
        return {}
    match = _FRONT_MATTER.match(readme.read_text(encoding="utf-8", errors="replace"))
    if not match:
        return {}
    data = yaml.safe_load(match.group(1))
    return data if isinstance(data, dict) else {}


def _pick_config(configs: list[dict[str, Any]], name: str | None, param: str) -> dict[str, Any]:
    """The card config named ``name``, else the default one."""
    names = [str(c.get("config_name", "default")) for c in configs]
    if name is not None:
        if name not in names:
            raise SourceError(f"parameter {param}.name: no config {name!r} in the card "
                              f"(configs: {names})")
        return configs[names.index(name)]
    for config, config_name in zip(configs, names, strict=True):
        if config.get("default") or config_name == "default":
            return config
    if len(configs) == 1:
        return configs[0]
    raise SourceError(f"parameter {param}.name: the card has several configs {names}; name one")


def split_patterns(folder: Path, name: str | None, param: str) -> dict[str, list[str]]:
    """Split -> file patterns of a mirror folder: the card's configs, else the Hub's defaults."""
    from datasets.data_files import EmptyDatasetError, get_data_patterns, sanitize_patterns

    configs = card_yaml(folder).get("configs")
    if configs:
        config = _pick_config(list(configs), name, param)
        return sanitize_patterns(config.get("data_files") or "**")
    if name is not None:
        raise SourceError(f"parameter {param}.name = {name!r}, but {folder} has no card configs")
    try:
        return get_data_patterns(str(folder))
    except EmptyDatasetError:
        return {}


def _own_patterns(split: str) -> list[str]:
    """Conventional names of a split's files that the Hub's defaults miss (e.g. ``static``)."""
    return [f"data/{split}-*", f"{split}-*", f"{split}.*", f"*_{split}.*", f"*-{split}.*",
            f"{split}/*", f"data/{split}/*"]


def _glob(folder: Path, patterns: list[str]) -> list[Path]:
    """Files matching any pattern (datasets' resolution: hidden files and README left out)."""
    from datasets.data_files import resolve_pattern

    found: set[Path] = set()
    for pattern in patterns:
        try:
            found.update(Path(p) for p in resolve_pattern(pattern, str(folder),
                                                          allowed_extensions=list(FORMATS)))
        except FileNotFoundError:
            continue
    return sorted(found)


def _one_format(files: list[Path], where: str, param: str) -> tuple[list[Path], str]:
    """The files of the preferred format among ``files``."""
    by_format: dict[str, list[Path]] = {}
    for path in files:
        fmt = FORMATS.get(path.suffix.lower())
        if fmt:
            by_format.setdefault(fmt, []).append(path)
    for fmt in FORMAT_PREFERENCE:
        if fmt in by_format:
            return by_format[fmt], fmt
    raise SourceError(f"parameter {param}.path: no parquet / jsonl / json / csv file for {where}")


def resolve_local(path: Path, split: str, name: str | None, param: str) -> Location:
    """A local file or mirror folder, resolved to the split's files."""
    if path.is_file():
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise SourceError(f"parameter {param}.path: cannot read {str(path)!r}; expected one "
                              f"of {sorted(FORMATS)} or a mirror folder")
        return Location("file", str(path), split, (path,), fmt, path.parent, name)
    patterns = split_patterns(path, name, param)
    files = _glob(path, patterns[split]) if split in patterns else []
    if not files and split not in patterns:
        files = _glob(path, _own_patterns(split))
    if not files:
        known = sorted(patterns) or "none"
        raise SourceError(f"parameter {param}.split: no files of split {split!r} in mirror "
                          f"{path} (splits found: {known})")
    files, fmt = _one_format(files, f"split {split!r} of {path}", param)
    logger.info("%s split %r: %d %s file(s)", path, split, len(files), fmt)
    return Location("mirror", str(path), split, tuple(files), fmt, path, name)


def resolve(path: str, split: str, name: str | None, revision: str | None,
            param: str) -> Location:
    """Where ``<task>.source`` points: a local file, a mirror folder, or a Hub id."""
    if not path:
        raise SourceError(f"parameter {param}.path is empty: give a Hub id or a local path")
    local = Path(path).expanduser()
    if local.exists():
        if revision:
            logger.info("%s.revision %r does not apply to the local path %s", param, revision,
                        path)
        return resolve_local(local, split, name, param)
    if local.suffix.lower() in FORMATS or not is_hub_id(path):
        raise SourceError(f"parameter {param}.path: local file or folder {path!r} does not exist")
    return Location("hub", path, split, name=name, revision=revision)


# --------------------------------------------------------------------------------------------
# Readers: columns, row count, batches of the needed columns in split order


def _open_parquet(path: Path, **kwargs: Any) -> Any:
    """``pyarrow.parquet.ParquetFile(path)``; a file that is not readable parquet is a
    :class:`SourceError` naming it (not a bare Arrow error)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path, **kwargs)
    except (pa.ArrowException, OSError) as exc:
        raise SourceError(f"{path}: not a readable parquet file ({exc})") from exc


@dataclass
class ParquetReader:
    """Row batches of parquet files through a small read buffer (bounded memory)."""

    files: tuple[Path, ...]
    _columns: list[str] | None = field(default=None, init=False)

    def columns(self) -> list[str]:
        """The columns of the first file."""
        if self._columns is None:
            self._columns = list(_open_parquet(self.files[0]).schema_arrow.names)
        return self._columns

    def count(self, limit: int | None = None) -> int:
        """Rows of all files, from the parquet footers (with ``limit``: the footers up to the
        file that holds row ``limit``; the files after it are not opened)."""
        total = 0
        for path in self.files:
            if limit is not None and total >= limit:
                break
            total += _open_parquet(path).metadata.num_rows
        return total

    def batches(self, columns: list[str]) -> Iterator[Any]:
        """The files' rows in order (``pyarrow`` record batches of a few tens of MB)."""
        import pyarrow as pa

        for path in self.files:
            handle = _open_parquet(path, buffer_size=READ_BUFFER, pre_buffer=False)
            names = handle.schema_arrow.names
            missing = [c for c in columns if c not in names]
            if missing:
                raise SourceError(f"{path}: columns {missing} missing (it has {names})")
            rows = _rows_per_batch(handle, columns)
            try:
                yield from handle.iter_batches(batch_size=rows, columns=columns,
                                               use_threads=False)
            except (pa.ArrowException, OSError) as exc:
                raise SourceError(f"{path}: unreadable parquet data ({exc})") from exc


def _rows_per_batch(handle: Any, columns: list[str]) -> int:
    """Rows per batch so that a batch of ``columns`` is about ``BATCH_BYTES``."""
    meta = handle.metadata
    if meta.num_rows == 0:
        return 1024
    wanted = set(columns)
    size = 0
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            if chunk.path_in_schema.split(".")[0] in wanted:
                size += chunk.total_uncompressed_size
    per_row = max(1, size // meta.num_rows)
    return int(max(1, min(65_536, BATCH_BYTES // per_row)))


def take_rows(batch: Any, offsets: list[int] | None) -> pd.DataFrame:
    """Rows ``offsets`` of a batch (all when None) as plain Python cells (lists stay lists,
    structs dicts); an Arrow batch is cut before any cell becomes a Python object."""
    if isinstance(batch, pd.DataFrame):
        picked = batch if offsets is None else batch.iloc[offsets]
        return picked.reset_index(drop=True)
    import pyarrow as pa

    if offsets is not None:
        batch = batch.take(pa.array(offsets, type=pa.int64()))
    return pd.DataFrame({name: pd.Series(batch.column(i).to_pylist(), dtype=object)
                         for i, name in enumerate(batch.schema.names)})


@dataclass
class TextReader:
    """jsonl / json / csv files read in pandas chunks."""

    files: tuple[Path, ...]
    fmt: str
    _columns: list[str] | None = field(default=None, init=False)

    def _chunks(self, path: Path) -> Iterator[pd.DataFrame]:
        if self.fmt == "csv":
            yield from pd.read_csv(path, chunksize=TEXT_CHUNK_ROWS, dtype=object,
                                   keep_default_na=False, na_values=[""])
        elif self.fmt == "jsonl":
            yield from pd.read_json(path, lines=True, chunksize=TEXT_CHUNK_ROWS, dtype=False)
        else:
            yield _json_records(path)

    def columns(self) -> list[str]:
        """The columns of the first chunk."""
        if self._columns is None:
            first = next(self._chunks(self.files[0]), pd.DataFrame())
            self._columns = list(first.columns)
        return self._columns

    def count(self, limit: int | None = None) -> None:
        """Unknown without reading (the loader counts while it reads)."""
        return None

    def batches(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """The files' rows in order, one chunk at a time."""
        for path in self.files:
            for chunk in self._chunks(path):
                for column in columns:
                    if column not in chunk.columns:
                        chunk[column] = None
                yield chunk[columns].astype(object).reset_index(drop=True)


def _json_records(path: Path) -> pd.DataFrame:
    """A json file: a list of records, a dict of columns, or ``{"data": [...]}``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list):
        data = next(iter(data.values()))
    return pd.DataFrame(data)


@dataclass
class HubReader:
    """A Hub dataset streamed with ``datasets`` (image features left undecoded)."""

    location: Location
    param: str

    def _stream(self) -> Any:
        import datasets

        loc = self.location
        hint = (f"the Hugging Face Hub dataset {loc.path!r} cannot be streamed here; download a "
                f"mirror (huggingface-cli download --repo-type dataset {loc.path} --local-dir "
                f"/mirrors/{loc.path.split('/')[-1]}) and set {self.param}.path to that folder")
        if _offline():
            raise SourceError(f"parameter {self.param}.path: offline (HF_HUB_OFFLINE): {hint}")
        try:
            stream = datasets.load_dataset(loc.path, name=loc.name, split=loc.split,
                                           revision=loc.revision, streaming=True)
        except Exception as exc:  # any failure to reach or read the Hub names the way out
            raise SourceError(f"parameter {self.param}.path: {type(exc).__name__}: "
                              f"{str(exc)[:300]}; {hint}") from exc
        return stream.decode(False)

    def columns(self) -> list[str]:
        """The stream's columns (its features, else the first row's keys)."""
        stream = self._stream()
        if stream.column_names is not None:
            return list(stream.column_names)
        return list(next(iter(stream), {}).keys())

    def count(self, limit: int | None = None) -> None:
        """Unknown without streaming the split."""
        return None

    def batches(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """The split streamed in order, only ``columns``."""
        stream = self._stream().select_columns(columns)
        for batch in stream.iter(batch_size=256):
            yield pd.DataFrame({c: pd.Series(batch[c], dtype=object) for c in columns})


def _offline() -> bool:
    """True when the Hugging Face Hub is switched off (``HF_HUB_OFFLINE`` / datasets')."""
    flags = (os.environ.get("HF_HUB_OFFLINE", ""), os.environ.get("HF_DATASETS_OFFLINE", ""))
    return any(flag.strip().lower() in ("1", "true", "yes", "on") for flag in flags)


@dataclass
class FrameReader:
    """An in-memory frame (the embedded generator's rows) read like a source."""

    frame: pd.DataFrame

    def columns(self) -> list[str]:
        """The frame's columns."""
        return list(self.frame.columns)

    def count(self, limit: int | None = None) -> int:
        """The frame's rows."""
        return len(self.frame)

    def batches(self, columns: list[str]) -> Iterator[pd.DataFrame]:
        """The frame in chunks of ``TEXT_CHUNK_ROWS``."""
        frame = self.frame.reset_index(drop=True)
        for start in range(0, len(frame), TEXT_CHUNK_ROWS):
            yield frame.iloc[start:start + TEXT_CHUNK_ROWS][columns].reset_index(drop=True)


def reader_for(location: Location, param: str) -> ParquetReader | TextReader | HubReader:
    """The reader of a resolved location."""
    if location.kind == "hub":
        return HubReader(location, param)
    if location.fmt == "parquet":
        return ParquetReader(location.files)
    return TextReader(location.files, location.fmt or "jsonl")
