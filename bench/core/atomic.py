"""Write a report file whole or not at all: a temporary file beside it, then ``os.replace``.

A write that fails (a full disk) removes the temporary file and raises
:class:`FileWriteError` naming the path; the file that was there before, if
any, is untouched, so no truncated SVG, CSV or page is left behind.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path


class FileWriteError(OSError):
    """A report file could not be written; its message names the path and says nothing half-written stays."""


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """``write(temporary)``, then that file renamed to ``path``; :class:`FileWriteError` on failure."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise FileWriteError(exc.errno or errno.EIO, f"cannot write {path} ({exc.strerror or exc}); "
                             "no half-written file is left") from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def write_text_atomically(path: Path, text: str) -> Path:
    return write_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))
