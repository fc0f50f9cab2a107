"""The one rule for the files nnbench may write: only its own, never through a link, whole or not at all.

Every output (``report``'s ``R.md``, ``R.csv``, ``R.html``, the figures in
``R-plots/``; the same files after ``run`` and ``run --resume``; ``history``'s
``history.csv`` and figures) is written by :func:`write_owned`:

* **never through a symbolic link**: a link at the output path, dangling or
  not, is refused (:class:`OwnedFileError`), and so is anything that is not a
  regular file (a folder, a FIFO, a device, a socket);
* **never over a file nnbench did not write**: an existing file is replaced
  only when it carries nnbench's mark (:func:`is_ours`): the Markdown summary
  and the HTML page start with ``nnbench results:`` (:data:`REPORT_MARK`), the
  CSV tables start with their own header line (:data:`CSV_HEADERS`), and every
  figure carries ``nnbench`` in its metadata (PNG ``Software``, SVG
  ``Creator``: :data:`FIGURE_MARK`). An empty file holds nothing to lose;
* **whole or not at all**: the content goes to a temporary file in the same
  folder, which is then renamed over the path (a rename replaces the name,
  never a link's target); an interruption leaves the old file, or none.

Commands check all their outputs with :func:`check_writable` before writing
the first, so a refusal is one ``error:`` line with nothing written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.core.files import InputFileError, open_regular
from bench.core.results import ResultsFileError

#: Text at the top of every page and Markdown summary nnbench writes (see bench.report).
REPORT_MARK = "nnbench results:"
#: The first columns of the CSV tables nnbench writes: the report's summary, history's long table.
CSV_HEADERS = ("task,backend,device,spec_key,", "run,run_time,environment,")
#: In every figure's metadata (PNG ``Software``, SVG ``Creator``).
FIGURE_MARK = "nnbench"
_HEAD_BYTES = 64 * 1024


class OwnedFileError(ResultsFileError):
    """An output path nnbench may not write (one ``error:`` line, exit 2)."""


class FileWriteError(OSError):
    """An output could not be written (a full disk); the message names the path; none is half-written."""


def _mark_found(path: Path, head: bytes) -> bool:
    suffix = path.suffix.lower()
    if not head.strip():
        return True  # an empty file: nothing to lose
    if suffix in (".md", ".html", ".htm"):
        return REPORT_MARK.encode() in head
    if suffix == ".csv":
        return head.lstrip(b"\xef\xbb\xbf").startswith(tuple(h.encode() for h in CSV_HEADERS))
    if suffix in (".png", ".svg"):
        return FIGURE_MARK.encode() in head
    return False


def is_ours(path: Path) -> bool:
    """Whether the regular file ``path`` carries nnbench's mark for its kind (read without blocking)."""
    try:
        fd = open_regular(path)
    except InputFileError:
        return False
    try:
        return _mark_found(Path(path), os.read(fd, _HEAD_BYTES))
    except OSError:
        return False
    finally:
        os.close(fd)


def check_writable(path: Path, label: str = "output") -> None:
    """Refuse ``path`` unless it is free or a regular file nnbench wrote (see the module's rule)."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        probe_folder(path.parent, label, path)
        return
    except NotADirectoryError:  # a file on its path: its writer reports it
        return
    except OSError as exc:
        raise OwnedFileError(f"cannot write {label} {path} ({exc.strerror or exc})") from None
    if stat.S_ISLNK(info.st_mode):
        raise OwnedFileError(f"{label} {path} is a symbolic link; nnbench does not write through links "
                             "(remove it or choose another path)")
    if stat.S_ISDIR(info.st_mode):
        raise OwnedFileError(f"{label} {path} is a folder; choose another path")
    if not stat.S_ISREG(info.st_mode):
        raise OwnedFileError(f"{label} {path} exists and is not a regular file; choose another path")
    if not is_ours(path):
        raise OwnedFileError(f"{label} {path} exists and was not written by nnbench; "
                             "move it away or choose another path")
    probe_folder(path.parent, label, path)


def probe_folder(folder: Path, label: str, path: Path) -> None:
    """The nearest existing folder on ``path``'s way takes a new file (tried: permissions say too little
    about ``/proc``, a read-only mount or a full quota); nothing is left behind."""
    while not os.path.lexists(folder) and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return  # a file on the path: its writer reports it
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".nnbench-probe.")
    except OSError as exc:
        raise OwnedFileError(f"cannot write {label} {path} ({exc.strerror or exc} in {folder})") from None
    os.close(fd)
    os.unlink(name)


def check_folder(folder: Path, label: str = "folder", suffixes: tuple[str, ...] = (".png", ".svg")) -> None:
    """A folder nnbench writes into: free or a real folder, and every file in it of ``suffixes`` its own."""
    folder = Path(folder)
    try:
        info = os.lstat(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    if stat.S_ISLNK(info.st_mode):
        raise OwnedFileError(f"{label} {folder} is a symbolic link; nnbench does not write through links")
    if not stat.S_ISDIR(info.st_mode):
        raise OwnedFileError(f"{label} {folder} is not a folder; move it away first")
    for entry in sorted(folder.iterdir()):
        if entry.suffix.lower() in suffixes:
            check_writable(entry, f"{label} entry")


def make_folder(folder: Path, label: str = "folder") -> None:
    """Create ``folder`` (and its parents); refuse a link or a file in its place."""
    check_folder(folder, label, suffixes=())
    Path(folder).mkdir(parents=True, exist_ok=True)


def write_owned(path: Path, write: Callable[[Path], object], label: str = "output") -> Path:
    """Write ``path`` by ``write(temporary)`` and an atomic rename, if the rule allows (else refuse)."""
    path = Path(path)
    check_writable(path, label)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, 0o666 & ~_umask())  # as an ordinary open would create it (mkstemp makes it 0600)
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        check_writable(path, label)  # nothing appeared there while we wrote
        os.replace(temporary, path)
    except OwnedFileError:
        raise
    except OSError as exc:  # a full disk: the file that was there, if any, is untouched
        raise FileWriteError(exc.errno or errno.EIO, f"cannot write {path} ({exc.strerror or exc}); "
                             "no half-written file is left") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return path


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_text(path: Path, text: str, label: str = "output") -> Path:
    return write_owned(path, lambda temporary: temporary.write_text(text, encoding="utf-8"), label)
