"""Read a user's table file — CSV/TSV (gzip'd or not) or Parquet — into a DataFrame, or say why not.

* **Format** from the bytes, not the name: ``PAR1`` opens a Parquet file
  (read with pyarrow), ``1f 8b`` a gzip stream (decompressed, then read as
  text), anything else is UTF-8 text whose delimiter (comma, tab, semicolon
  or bar) is detected from its first lines (:class:`csv.Sniffer`, falling back
  to the delimiter found equally often on each of the first lines).
* **Header required**: the first line must name every column, each name once,
  and no name may be a number (a first line ``1,0.5,3`` is data, not a header).
* **Memory guard**, decided before the data are read: the file's uncompressed
  size (the gzip trailer's ISIZE; Parquet's row-group metadata) times
  :data:`MEMORY_FACTOR` must fit in the memory psutil reports available. A
  gzip stream is then decompressed with a running limit (every member, the
  size fields trusted for nothing), and the file itself is read through
  :func:`bench.core.files.read_regular` (a regular file, never a FIFO or a device).
* **Provenance**: the sha256 of the bytes parsed (read once, hashed, parsed
  from memory, so the hash is of exactly what was read), the size and name.

Every failure is a one-line :class:`TaskDataError` naming the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bench.core.files import InputFileError, check_regular, gunzip_bounded, read_regular
from bench.core.task import TaskDataError
from tasks.table_layout import check_layout, is_number, likely_delimiter
from tasks.table_numbers import widen_parquet

#: Memory needed ≈ this × the uncompressed size: bytes read, decoded text, the frame, the float
#: matrix with its one-hot columns, and the train/test copies each split makes.
MEMORY_FACTOR = 8
DELIMITERS = ",\t;|"
SNIFF_BYTES = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class TableFile:
    """A file's table and where it came from (recorded with every result)."""

    frame: pd.DataFrame
    path: Path
    size: int
    sha256: str
    format: str  # "csv", "tsv", "csv;"… with ".gz" when compressed, or "parquet"

    def provenance(self) -> dict[str, Any]:
        return {"file": self.path.name, "path": str(self.path), "bytes": self.size,
                "sha256": self.sha256, "format": self.format}


def available_memory_bytes() -> int:
    """What the OS could give this process now without swapping (psutil)."""
    import psutil

    return int(psutil.virtual_memory().available)


def megabytes(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.1f} MB"


def check_file(path: Path) -> int:
    """The file's size in bytes; :class:`TaskDataError` when missing, not a file, or empty."""
    try:
        size = check_regular(path, "data file")
    except InputFileError as exc:
        raise TaskDataError(str(exc)) from None
    if size == 0:
        raise TaskDataError(f"{path} is empty")
    return size


def uncompressed_size(path: Path, size: int) -> int:
    """Bytes of table the file holds once decompressed (read from its header/trailer/metadata only)."""
    with open(path, "rb") as handle:
        magic = handle.read(4)
        if magic.startswith(GZIP_MAGIC) and size >= 18:
            handle.seek(-4, io.SEEK_END)
            isize = int.from_bytes(handle.read(4), "little")  # RFC 1952: length mod 2^32
            return max(isize, size)
    if magic == PARQUET_MAGIC:
        import pyarrow.parquet as pq

        try:
            metadata = pq.read_metadata(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
            raise TaskDataError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None
        return max(size, sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)))
    return size


def memory_budget_bytes() -> int:
    """The most bytes of table a file may hold once decompressed (the memory available / the factor)."""
    return available_memory_bytes() // MEMORY_FACTOR


def check_memory(path: Path, size: int) -> None:
    """Refuse, before reading, a file whose table would not fit in the memory available."""
    raw = uncompressed_size(path, size)
    needed, available = raw * MEMORY_FACTOR, available_memory_bytes()
    if needed > available:
        raise TaskDataError(
            f"{path}: too large to load: {megabytes(size)} on disk, {megabytes(raw)} uncompressed, "
            f"about {megabytes(needed)} in memory ({MEMORY_FACTOR} × uncompressed) but only "
            f"{megabytes(available)} available")


def read_table(path: Path) -> TableFile:
    """The table in ``path`` with its provenance; :class:`TaskDataError` for any unreadable input."""
    path = Path(path)
    size = check_file(path)
    check_memory(path, size)
    try:
        data = read_regular(path, "data file", limit=max(size, memory_budget_bytes()))
    except InputFileError as exc:
        raise TaskDataError(str(exc)) from None
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(PARQUET_MAGIC):
        frame, fmt = _read_parquet(path, data), "parquet"
    else:
        compressed = data.startswith(GZIP_MAGIC)
        if compressed:
            try:
                data = gunzip_bounded(data, memory_budget_bytes(), str(path))
            except InputFileError as exc:
                raise TaskDataError(str(exc)) from None
        frame, fmt = _read_text(path, data)
        fmt += ".gz" if compressed else ""
    if frame.empty:
        raise TaskDataError(f"{path} has a header but no data rows")
    return TableFile(frame=frame, path=path, size=size, sha256=sha256, format=fmt)


def _read_parquet(path: Path, data: bytes) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(pa.BufferReader(data)).names
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise TaskDataError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None
    check_header([str(name) for name in names], path)  # the names CSV refuses, Parquet refuses too
    try:
        return widen_parquet(pq.read_table(pa.BufferReader(data))).to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise TaskDataError(f"{path}: not a readable Parquet file ({_first_line(exc)})") from None


def _read_text(path: Path, data: bytes) -> tuple[pd.DataFrame, str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TaskDataError(f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from None
    if not text.strip():
        raise TaskDataError(f"{path} is empty")
    delimiter = detect_delimiter(text[:SNIFF_BYTES], path, text)
    check_layout(text, delimiter, path)
    header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    check_header(header, path)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=0)
    except (ValueError, pd.errors.ParserError) as exc:
        raise TaskDataError(f"{path}: cannot parse ({_first_line(exc)})") from None
    names = {",": "csv", "\t": "tsv"}
    return frame, names.get(delimiter, f"csv ({delimiter!r}-separated)")


def detect_delimiter(sample: str, path: Path, text: str | None = None) -> str:
    """The field delimiter of the text ``sample`` (its first lines); when the lines disagree, the lines
    of ``text`` whose field count differs from the header's are named (:func:`check_layout`)."""
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if len(lines) > 1 and len(sample) >= SNIFF_BYTES:
        lines = lines[:-1]  # the sample may end inside a line
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    counts = {d: {line.count(d) for line in lines} for d in DELIMITERS}
    steady = [d for d, seen in counts.items() if len(seen) == 1 and next(iter(seen)) > 0]
    if steady:
        return max(steady, key=lambda d: next(iter(counts[d])))
    likely = likely_delimiter(sample, DELIMITERS)
    if likely and text is not None:
        check_layout(text, likely, path)  # names the ragged lines (raises unless the lines agree)
    spaced = lines and all(len(line.split()) > 1 for line in lines)
    hint = ("; its fields are separated by spaces, which nnbench does not read: convert them to commas "
            "(e.g. tr -s ' ' ',')") if spaced else "; a table needs a header line and at least two columns"
    raise TaskDataError(f"{path}: no column delimiter found (looked for comma, tab, semicolon and |){hint}")


def check_header(header: list[str], path: Path) -> None:
    """The first line must name the columns: no empty, numeric or repeated names."""
    names = [name.strip() for name in header]
    if len(names) < 2:
        raise TaskDataError(f"{path}: one column only; a table needs a target and at least one feature")
    if any(is_number(name) for name in names):
        shown = ",".join(header)[:60]
        raise TaskDataError(f"{path}: no header: the first line ({shown}) holds numbers; "
                            "the first line must name the columns")
    empty = [i + 1 for i, name in enumerate(names) if not name]
    if empty:
        raise TaskDataError(f"{path}: the header leaves column(s) {empty} unnamed")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise TaskDataError(f"{path}: the header repeats column name(s) {', '.join(repeated)}")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
