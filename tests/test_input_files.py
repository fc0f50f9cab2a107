"""The one check for files read from a user (bench.core.files): a regular file of bounded size, never a
FIFO, a device, a folder or a socket; nothing blocks; a gzip stream is bounded as it is decompressed."""

from __future__ import annotations

import gzip
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import synthetic_results

from bench.cli import main
from bench.core import files
from bench.core.files import InputFileError, gunzip_bounded, read_regular
from tasks import table_reading


@pytest.fixture(autouse=True)
def in_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    opened: list[socket.socket] = []

    def make(path: Path) -> None:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        opened.append(server)

    yield make
    for server in opened:
        server.close()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _link_to(target: str) -> Callable[[Path], None]:
    return lambda path: path.symlink_to(target)


#: What a user may name instead of a file; "socket" is made by the fixture.
HOSTILE: dict[str, Callable[[Path], None] | None] = {
    "fifo": _fifo, "folder": _folder, "dev-zero": _link_to("/dev/zero"), "dev-null": _link_to("/dev/null"),
    "link-loop": lambda path: path.symlink_to(path.name), "dangling-link": _link_to("missing"),
    "socket": None,
}


def _plant(kind: str, path: Path, unix_socket: Callable[[Path], None]) -> None:
    make = HOSTILE[kind]
    (make or unix_socket)(path)


def _one_error(args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> str:
    """Run in a thread so that a command that blocks fails the test instead of hanging it."""
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result: dict[str, int] = {}
    worker = threading.Thread(target=lambda: result.update(code=main(args)), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), f"{args} blocked"
    stderr = capsys.readouterr().err
    assert result["code"] == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written
    return stderr


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_suite_that_is_not_a_regular_file_is_refused(
        kind: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, unix_socket) -> None:
    _plant(kind, tmp_path / "suite.toml", unix_socket)
    _one_error(["run", "--suite", "suite.toml", "--output", "r.jsonl"], capsys, tmp_path)


@pytest.mark.parametrize("proc", ["/proc/self/status", "/proc/self/environ"])
def test_a_proc_file_as_a_suite_is_refused(proc: str, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    """/proc files say size 0 and are not TOML: refused in one line, not read forever."""
    _one_error(["run", "--suite", proc, "--output", "r.jsonl"], capsys, tmp_path)


@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("command", ["report", "compare", "resume"])
def test_a_results_path_that_is_not_a_regular_file_is_refused(
        kind: str, command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, unix_socket) -> None:
    if command == "compare":
        synthetic_results.write(tmp_path / "old.jsonl", [synthetic_results.record()])
    _plant(kind, tmp_path / "r.jsonl", unix_socket)
    args = {"report": ["report", "r.jsonl"], "compare": ["compare", "old.jsonl", "r.jsonl"],
            "resume": ["run", "--resume", "r.jsonl"]}[command]
    _one_error(args, capsys, tmp_path)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "socket"])
def test_history_refuses_an_entry_that_is_not_a_regular_file(
        kind: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, unix_socket) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    synthetic_results.write(runs / "a.jsonl", [synthetic_results.record()])
    _plant(kind, runs / "b.jsonl", unix_socket)
    _one_error(["history", "runs", "--no-plots"], capsys, tmp_path)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "folder", "socket", "link-loop"])
def test_a_data_file_that_is_not_a_regular_file_is_refused(
        kind: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, unix_socket) -> None:
    _plant(kind, tmp_path / "data.csv", unix_socket)
    _one_error(["run", "--data", "data.csv", "--target", "y", "--output", "r.jsonl"], capsys, tmp_path)


def test_a_file_larger_than_the_bound_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 100)
    assert read_regular(path, limit=100) == b"x" * 100
    with pytest.raises(InputFileError, match="larger than 99 bytes"):
        read_regular(path, limit=99)


def _members(count: int, size: int) -> bytes:
    """``count`` gzip members of ``size`` zero bytes each: the last member's size field says ``size``."""
    return b"".join(gzip.compress(b"\0" * size) for _ in range(count))


@pytest.mark.parametrize(("count", "size"), [(1, 5000), (5, 1000), (50, 200), (2, 4000)])
def test_gunzip_is_bounded_by_what_it_decompresses_not_by_a_size_field(count: int, size: int) -> None:
    data = _members(count, size)
    assert len(gunzip_bounded(data, count * size, "t")) == count * size
    with pytest.raises(InputFileError, match="decompresses to more than"):
        gunzip_bounded(data, count * size - 1, "t")


def test_a_multi_member_csv_gz_larger_than_memory_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Many members; the last one small, so its size field (what the first guard reads) passes."""
    header = gzip.compress(b"a,b,y\n")
    rows = gzip.compress(b"1,2,0\n3,4,1\n" * 20_000)
    (tmp_path / "big.csv.gz").write_bytes(header + rows * 5 + gzip.compress(b"5,6,0\n"))
    monkeypatch.setattr(table_reading, "available_memory_bytes", lambda: 8 * 300_000)
    args = ["run", "--data", "big.csv.gz", "--target", "y", "--output", "r.jsonl"]
    err = _one_error(args, capsys, tmp_path)
    assert "decompresses to more than" in err


def test_open_regular_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputFileError, match="FIFO"):
        files.check_regular(tmp_path / "pipe")
