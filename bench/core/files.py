"""The one check for every file nnbench reads from a user: a regular file of bounded size.

Suite files, results files (``report``, ``compare``, ``history``, ``--resume``)
and data files all go through :func:`read_regular`. It opens the path with
``O_NONBLOCK`` (so a FIFO cannot block the open), checks with ``fstat`` on the
opened descriptor that it is a regular file (not a FIFO, a device such as
``/dev/zero``, a socket or a folder: one :class:`InputFileError` line), and
reads at most ``limit`` bytes, refusing a larger file instead of reading it.
:func:`gunzip_bounded` decompresses gzip data (every member of a multi-member
stream) with a running limit, so the size field of a member is never trusted.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import stat
import zlib
from pathlib import Path

#: The default bound on a file read whole (suite files, results files).
DEFAULT_LIMIT_BYTES = 1 << 30
#: A suite file is a few lines of TOML.
SUITE_LIMIT_BYTES = 16 << 20
_CHUNK = 1 << 20


class InputFileError(ValueError):
    """A file the user named that nnbench will not read (one ``error:`` line, exit 2)."""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: Path, what: str = "file") -> int:
    """A read-only descriptor of ``path``, known to be a regular file; :class:`InputFileError` otherwise."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputFileError(f"no {what} at {path}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputFileError(f"{what} {path} is a symbolic link loop") from None
        if exc.errno in (errno.ENXIO, errno.EISDIR):
            raise InputFileError(f"{what} {path} is not a regular file") from None
        raise InputFileError(f"cannot read {what} {path} ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputFileError(f"{what} {path} is {_kind(mode)}, not a regular file")
    os.set_blocking(fd, True)
    return fd


def check_regular(path: Path, what: str = "file") -> int:
    """The size of ``path`` once checked to be a regular file (opened and closed, never blocking)."""
    fd = open_regular(path, what)
    try:
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def read_regular(path: Path, what: str = "file", limit: int = DEFAULT_LIMIT_BYTES) -> bytes:
    """All bytes of the regular file ``path``, at most ``limit`` (a larger file is refused unread)."""
    fd = open_regular(path, what)
    try:
        if os.fstat(fd).st_size > limit:
            raise InputFileError(f"{what} {path} is larger than {limit:,} bytes; refusing to read it")
        chunks, total = [], 0
        while chunk := os.read(fd, _CHUNK):
            total += len(chunk)
            if total > limit:  # a /proc file or one growing while read: its size field said little
                raise InputFileError(f"{what} {path} is larger than {limit:,} bytes; refusing to read it")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputFileError(f"cannot read {what} {path} ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def gunzip_bounded(data: bytes, limit: int, where: str) -> bytes:
    """Every member of the gzip stream ``data``, decompressed, refused as soon as it passes ``limit``."""
    out, total = io.BytesIO(), 0
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise InputFileError(f"{where}: decompresses to more than {limit:,} bytes; "
                                         "too large to load")
                out.write(chunk)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFileError(f"{where}: not a readable gzip file ({exc})") from None
    return out.getvalue()
