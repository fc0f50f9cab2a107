"""The results file: JSON Lines, one finished run per line, append-only.

Each line is written and flushed (and fsync'ed) as its run ends, and the
file is never rewritten, so killing the harness loses at most the run in
flight. One run writes a file at a time: :class:`ResultsLock` holds an
exclusive ``flock`` on it for the whole run, which the kernel drops when the
holder dies (even by ``kill -9``), so a lock is never left stale.

A lock belongs to a file, not to its name: :class:`ResultsLock` checks that
the name still leads to the file it locked (device and inode), and
:class:`ResultsWriter` checks it again before every append, and that the file
still ends with a complete line. A results file replaced under a running run
(renamed over by ``sed -i`` or an editor's save, then resumed by another run)
stops that run with :class:`ResultsReplacedError` instead of two runs
appending to one name.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.core.files import InputFileError, read_regular
from bench.core.record import Record, RecordError, dumps

RESULTS_DIR = Path("results")


def new_results_path(directory: Path = RESULTS_DIR) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stamp}.jsonl"
    counter = 1
    while path.exists():
        counter += 1
        path = directory / f"{stamp}-{counter}.jsonl"
    return path


class ResultsFileError(ValueError):
    """A results file that cannot be read (or written: see the subclasses)."""


class ResultsInUseError(ResultsFileError):
    """Another nnbench run holds the results file's lock."""


class ResultsWriteError(OSError):
    """Appending a record failed (a full disk, a lost mount); the records before it are intact."""


class ResultsReplacedError(ResultsWriteError):
    """The results file is no longer the one this run locked, or it no longer ends with a whole line."""


#: A file's identity: (device, inode).
Identity = tuple[int, int]


def identity_of(path: Path) -> Identity | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class ResultsWriter:
    """Appends records to a JSONL file, durably, one line per run, and only to the file it started with.

    ``identity``: the (device, inode) of the file this run locked (default: the
    file at ``path`` now, if any; else the one the first append creates).
    """

    def __init__(self, path: Path, identity: Identity | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.identity = identity or identity_of(self.path)

    def append(self, record: Record | dict[str, Any]) -> None:
        """Append one line; on failure the file is cut back to its complete lines and
        :class:`ResultsWriteError` says why (unbuffered: nothing is left to flush later)."""
        data = (dumps(record) + "\n").encode("utf-8")
        flags = os.O_RDWR | os.O_APPEND | (0 if self.identity else os.O_CREAT)  # RDWR: reads the last byte
        try:
            fd = os.open(self.path, flags, 0o644)
        except FileNotFoundError:
            raise ResultsReplacedError(errno.ENOENT, f"{self.path} was removed while this run wrote it; "
                                       "stopping") from None
        except OSError as exc:  # the file made read-only, immutable, replaced by a folder, its mount gone
            raise ResultsWriteError(exc.errno or errno.EIO,
                                    f"cannot append to {self.path} ({exc.strerror or exc})") from exc
        try:
            size = self._check_same_file(fd)
            try:
                _write_line(fd, data)
            except OSError as exc:
                _cut_back(fd, size)
                reason = exc.strerror or str(exc)
                raise ResultsWriteError(exc.errno or errno.EIO, f"cannot append to {self.path} ({reason})"
                                        ) from exc
        finally:
            os.close(fd)


    def _check_same_file(self, fd: int) -> int:
        """The file's size, once it is known to be the file this run writes, ending with a whole line."""
        info = os.fstat(fd)
        if self.identity is None:
            self.identity = (info.st_dev, info.st_ino)
        elif (info.st_dev, info.st_ino) != self.identity:
            raise ResultsReplacedError(errno.ESTALE, f"{self.path} was replaced by another file while this "
                                       "run wrote it (an editor's save, sed -i, a copy); stopping so that two"
                                       " runs never append to one name")
        if info.st_size and os.pread(fd, 1, info.st_size - 1) != b"\n":
            raise ResultsReplacedError(errno.EIO, f"{self.path} no longer ends with a complete line "
                                       "(something else wrote to it); stopping")
        return info.st_size


def _write_line(fd: int, data: bytes) -> None:
    """Write all of ``data`` and fsync it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _cut_back(fd: int, size: int) -> None:
    try:
        os.ftruncate(fd, size)
    except OSError:
        pass  # the torn tail, if any, is cut by the next --resume


class ResultsLock:
    """An exclusive ``flock`` on a results file, held while one run appends to it.

    ``acquire(create=True)`` creates the file (and its folder), so it exists,
    and its folder is known to be writable, before the first cell runs.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        #: (device, inode) of the locked file
        self.identity: Identity | None = None

    def acquire(self, create: bool = False) -> ResultsLock:
        """Lock the file the name leads to, checking afterwards that it still does (else try again)."""
        for _ in range(5):
            self._acquire(create)
            assert self._fd is not None
            info = os.fstat(self._fd)
            if identity_of(self.path) == (info.st_dev, info.st_ino):
                self.identity = (info.st_dev, info.st_ino)
                return self
            self.release()  # renamed over between the open and the lock: lock the new file
        raise ResultsFileError(f"{self.path} keeps being replaced; cannot lock it")

    def _acquire(self, create: bool) -> None:
        flags = os.O_WRONLY | os.O_APPEND | (os.O_CREAT if create else 0)
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, flags, 0o644)
        except (FileExistsError, NotADirectoryError):
            raise ResultsFileError(f"cannot write results to {self.path} (a folder on its path is a file)"
                                   ) from None
        except OSError as exc:
            raise ResultsFileError(f"cannot write results to {self.path} ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ResultsFileError(f"cannot lock {self.path} ({exc.strerror or exc})") from None
            holder = lock_holder(self.path)
            who = f"pid {holder}" if holder else "pid unknown"
            raise ResultsInUseError(f"{self.path} is being written by another nnbench run ({who})") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None

    def __enter__(self) -> ResultsLock:
        return self if self._fd is not None else self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def lock_holder(path: Path) -> int | None:
    """The pid holding a ``flock`` on ``path`` (Linux ``/proc/locks``), else None."""
    try:
        inode = os.stat(path).st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            return int(fields[4]) if fields[4].isdigit() else None
    return None


def read_records(path: Path) -> list[dict[str, Any]]:
    """All complete records of a results file, as the worker wrote them (a last line that starts as a
    record but is cut short, as by ``kill -9`` mid-write, is ignored; any other broken line is an error).

    Lines are returned as parsed, whatever JSON they hold; readers of
    reports want :func:`read_typed`, which refuses what is not a record.
    """
    return [record for _, record in _numbered(path)]


def read_typed(path: Path) -> list[Record]:
    """The records of a results file, typed; another tool's line is an error naming ``file:line``."""
    try:
        return [Record.from_dict(record, f"{path}:{number}") for number, record in _numbered(path)]
    except RecordError as exc:
        raise ResultsFileError(str(exc)) from None


def _numbered(path: Path) -> list[tuple[int, Any]]:
    path = Path(path)
    try:  # -sig: a byte order mark is not data
        lines = read_regular(path, "results file").decode("utf-8-sig").splitlines()
    except InputFileError as exc:
        raise ResultsFileError(str(exc)) from None
    except UnicodeDecodeError:
        raise ResultsFileError(f"{path} is not a JSON Lines results file (not UTF-8 text)") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except RecursionError:
            raise ResultsFileError(f"{path}:{number}: nested too deeply to be a record") from None
        except json.JSONDecodeError as exc:
            if number == len(lines) and line.lstrip().startswith("{"):  # a record cut short by a kill
                continue
            raise ResultsFileError(f"{path}:{number}: not a JSON record ({exc.msg})") from exc
        records.append((number, record))
    return records
