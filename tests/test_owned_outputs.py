"""The one rule for the files nnbench writes (bench.core.owned): never through a link, never over a file
it did not write, whole or not at all; for every output of report, run --resume and history."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
import synthetic_results

from bench.cli import main
from bench.core import owned


@pytest.fixture(autouse=True)
def in_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _results(path: Path = Path("r.jsonl")) -> Path:
    return synthetic_results.write(path, [synthetic_results.record(seed=s) for s in (0, 1)])


def _tree(folder: Path) -> dict[str, object]:
    """Every entry (links as their target text, files as bytes), to compare before and after."""
    out: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            out[name] = ("link", os.readlink(path))
        elif path.is_file():
            out[name] = path.read_bytes()
        else:
            out[name] = "other"
    return out


def _refused(args: list[str], capsys: pytest.CaptureFixture[str], folder: Path) -> str:
    before = _tree(folder)
    code = main(args)
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert _tree(folder) == before  # nothing written, nothing overwritten
    return stderr


def _user_file(path: Path) -> None:
    path.write_text("my own notes\n")


def _link_to_user_file(path: Path) -> None:
    Path("precious.txt").write_text("do not overwrite\n")
    path.symlink_to("precious.txt")


def _dangling_link(path: Path) -> None:
    path.symlink_to("nowhere/at/all")


def _link_loop(path: Path) -> None:
    path.symlink_to(path.name)


def _folder(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _link_to_dev_null(path: Path) -> None:
    path.symlink_to("/dev/null")


PLANTS: dict[str, Callable[[Path], None]] = {
    "user-file": _user_file, "link-to-user-file": _link_to_user_file, "dangling-link": _dangling_link,
    "link-loop": _link_loop, "folder": _folder, "fifo": _fifo, "link-to-dev-null": _link_to_dev_null,
}


@pytest.mark.parametrize("plant", PLANTS)
@pytest.mark.parametrize("name", ["r.md", "r.csv", "r.html", "r-plots/fit-time.png", "r-plots/fit-time.svg"])
def test_report_never_writes_what_it_did_not_create(
        name: str, plant: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _results()
    Path(name).parent.mkdir(exist_ok=True)
    PLANTS[plant](Path(name))
    _refused(["report", "r.jsonl"], capsys, tmp_path)


@pytest.mark.parametrize("plant", ["link-to-folder", "file", "fifo"])
def test_report_refuses_a_figures_folder_that_is_not_a_folder_of_its_own(
        plant: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _results()
    if plant == "link-to-folder":
        Path("elsewhere").mkdir()
        Path("r-plots").symlink_to("elsewhere")
    elif plant == "file":
        Path("r-plots").write_text("x")
    else:
        os.mkfifo("r-plots")
    _refused(["report", "r.jsonl"], capsys, tmp_path)


def test_report_rewrites_its_own_files_and_only_by_rename(capsys: pytest.CaptureFixture[str]) -> None:
    _results()
    assert main(["report", "r.jsonl"]) == 0
    files = [Path("r.md"), Path("r.csv"), Path("r.html"), *Path("r-plots").iterdir()]
    first = {p: p.stat().st_ino for p in files}
    assert all(owned.is_ours(p) for p in first), [p for p in first if not owned.is_ours(p)]
    assert main(["report", "r.jsonl"]) == 0  # its own files: rewritten
    capsys.readouterr()
    assert all(p.stat().st_ino != inode for p, inode in first.items())  # replaced by rename, not in place
    assert not list(Path(".").rglob(".*.tmp"))  # no temporary file left


@pytest.mark.parametrize("plant", ["user-file", "link-to-user-file", "dangling-link", "folder"])
def test_resume_never_writes_a_report_file_it_did_not_create(
        plant: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _results()
    PLANTS[plant](Path("r.md"))
    _refused(["run", "--resume", "r.jsonl"], capsys, tmp_path)


@pytest.mark.parametrize("plant", ["link-to-user-file", "dangling-link"])
def test_a_results_file_is_never_written_through_a_link(
        plant: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    PLANTS[plant](Path("r.jsonl"))
    _refused(["run", "--backend", "numpy", "--task", "xor", "--seeds", "1", "--output", "r.jsonl"],
             capsys, tmp_path)


@pytest.mark.parametrize("plant", ["user-file", "link-to-user-file", "dangling-link", "folder"])
@pytest.mark.parametrize("name", ["history.csv", "xor-closed.png", "anything.svg"])
def test_history_never_writes_what_it_did_not_create(
        name: str, plant: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    Path("runs").mkdir()
    _results(Path("runs/a.jsonl"))
    Path("runs/history").mkdir()
    PLANTS[plant](Path("runs/history") / name)
    _refused(["history", "runs"], capsys, tmp_path)


def test_history_rewrites_its_own_files(capsys: pytest.CaptureFixture[str]) -> None:
    Path("runs").mkdir()
    _results(Path("runs/a.jsonl"))
    assert main(["history", "runs"]) == 0
    assert main(["history", "runs"]) == 0
    written = [p for p in Path("runs/history").iterdir() if p.suffix in (".csv", ".png", ".svg")]
    assert written and all(owned.is_ours(p) for p in written)


def test_a_socket_at_an_output_path_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _results()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("r.csv")
        _refused(["report", "r.jsonl"], capsys, tmp_path)
    finally:
        server.close()


def test_an_empty_file_holds_nothing_to_lose(capsys: pytest.CaptureFixture[str]) -> None:
    _results()
    Path("r.md").write_text("")
    assert main(["report", "r.jsonl"]) == 0
    assert owned.is_ours(Path("r.md")) and Path("r.md").read_text().strip()


def test_an_interrupted_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.write_text("# nnbench results: old\n")

    def fails(temporary: Path) -> None:
        temporary.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        owned.write_owned(target, fails)
    assert target.read_text() == "# nnbench results: old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]
