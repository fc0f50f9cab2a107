"""A results file that cannot be written mid-run, a disk that fills during the report: one line, the path,
what is intact and how to go on (shell-quoted); no half-written file left behind."""

from __future__ import annotations

import errno
import os
import shlex
import types
from pathlib import Path

import pytest
from synthetic_results import record, write

from bench.cli import main
from bench.core import results as results_module

QUICK = ["--backend", "numpy", "--task", "xor", "--set", "epochs=5", "--threads", "1"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def refuse_second_append(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """The results file cannot be opened for its second record (made immutable, read-only, replaced)."""
    opened = []

    def open_(path, flags, *args):  # noqa: ANN001, ANN202 - os.open's own signature
        if flags & os.O_APPEND:
            opened.append(path)
            if len(opened) == 3:  # the lock's open, the first record, then the second record
                raise OSError(code, os.strerror(code), str(path))
        return os.open(path, flags, *args)

    names = {name: getattr(os, name) for name in dir(os) if not name.startswith("__")}
    monkeypatch.setattr(results_module, "os", types.SimpleNamespace(**{**names, "open": open_}))


@pytest.mark.parametrize("code", [errno.EPERM, errno.EACCES, errno.EROFS, errno.EISDIR, errno.EIO])
@pytest.mark.parametrize("name", ["r.jsonl", "my run.jsonl", "$HOME;rm -rf x'.jsonl"])
def test_a_results_file_that_cannot_be_written_mid_run_says_what_is_intact_and_how_to_resume(
        monkeypatch, capsys, code, name):
    refuse_second_append(monkeypatch, code)
    assert main(["run", *QUICK, "--seeds", "3", "--output", name]) == 1
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert "Traceback" not in err and last.startswith("error: cannot append to ")
    assert f"({os.strerror(code)})" in last and "1 of 3 cells written (1 ok)" in last
    assert "holds 1 complete records, intact" in last
    resume = last.split("finish the run with: ", 1)[1]
    assert shlex.split(resume) == ["python", "-m", "bench", "run", "--resume", name]
    assert len(Path(name).read_text().splitlines()) == 1
    assert not Path(name).with_suffix(".md").exists()


@pytest.mark.parametrize("name", ["a b.jsonl", "it's.jsonl", "$(x).jsonl"])
def test_every_resume_hint_is_shell_quoted(capsys, name):
    write(Path(name), [record(seed=0)])
    assert main(["run", *QUICK, "--output", name]) == 2
    err = capsys.readouterr().err
    assert f"--resume {shlex.quote(name)} " in err


def fill_the_disk_on(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """The write of the report file ``kind`` gets half its bytes out, then ENOSPC."""
    import pandas as pd
    from matplotlib.figure import Figure

    def full(target: Path) -> None:
        Path(target).write_bytes(b"<svg partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def matches(target: object) -> bool:
        return f".{kind}." in Path(str(target)).name

    real_text, real_csv, real_fig = Path.write_text, pd.DataFrame.to_csv, Figure.savefig
    monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: full(self) if matches(self)
                        else real_text(self, *a, **k))
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda self, target=None, *a, **k: full(target)
                        if matches(target) else real_csv(self, target, *a, **k))
    monkeypatch.setattr(Figure, "savefig", lambda self, target, *a, **k: full(target) if matches(target)
                        else real_fig(self, target, *a, **k))


@pytest.mark.parametrize("kind", ["md", "csv", "html", "png", "svg"])
def test_a_full_disk_during_the_report_names_the_path_and_leaves_no_truncated_file(monkeypatch, capsys,
                                                                                   kind):
    results = write(Path("my r.jsonl"), [record(seed=s) for s in range(2)])
    before = results.read_bytes()
    fill_the_disk_on(monkeypatch, kind)
    assert main(["report", str(results)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: cannot write ") and "Traceback" not in err
    assert "(No space left on device); no half-written file is left" in err
    assert f"{kind} (" in err.split(";")[0]  # the path named is the one being written
    assert err.rstrip().endswith(f"python -m bench report {shlex.quote(str(results))}")
    assert results.read_bytes() == before
    every = [p for p in Path(".").rglob("*") if p.is_file()]
    assert not [p for p in every if p.name.endswith(".tmp") or p.read_bytes() == b"<svg partial"]
