"""A command line that helps: help written for users (an example and the defaults everywhere), comma
lists wherever a list is taken, and "did you mean" for unknown names, flags and choices."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bench import cli
from bench.commands import run as run_command
from bench.core import suggest
from bench.testing import cli as kit_cli

ROOT = Path(__file__).resolve().parents[1]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def every_parser() -> list[tuple[str, argparse.ArgumentParser]]:
    root = cli.parser()
    return [("nnbench", root), *subcommands(root).items(), ("kit", kit_cli.parser())]


def test_every_command_is_listed_and_named_nnbench() -> None:
    root = cli.parser()
    assert root.prog == "nnbench" == cli.PROG
    assert list(subcommands(root)) == cli.COMMANDS
    assert {"run", "report", "compare", "history", "perf", "scaling", "tasks", "backends",
            "doctor"} <= set(cli.COMMANDS)
    assert all(sub.prog == f"nnbench {name}" for name, sub in subcommands(root).items())
    assert "`python -m bench` is the same command as `nnbench`" in " ".join(root.format_help().split())
    # the console script is the command the help names
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"nnbench": "bench.cli:main"}


@pytest.mark.parametrize(("name", "parser"), every_parser(), ids=lambda v: v if isinstance(v, str) else "")
def test_help_has_a_summary_a_plain_description_and_examples(name: str,
                                                            parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()
    assert parser.description and len(parser.description.split()) >= 10
    for markup in (":mod:", ":class:", ":func:", ":data:", "``", "bench.commands", "bench.report"):
        assert markup not in text, f"{name}: {markup!r} in its help"
    examples = text.split("examples:\n", 1)[1].splitlines()
    command = parser.prog if name != "nnbench" else "nnbench "
    runnable = [line.strip() for line in examples if line.strip().startswith(command.split(" [")[0])]
    assert runnable, f"{name}: no example of {command!r}"
    for line in examples:  # each example is a comment or a command line, indented
        assert not line or line.startswith("  ") or line.endswith("--help."), line


@pytest.mark.parametrize(("name", "parser"), every_parser(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_option_that_takes_a_value_shows_its_default(name: str,
                                                           parser: argparse.ArgumentParser) -> None:
    formatter = parser._get_formatter()
    for action in parser._actions:
        if action.nargs == 0 or isinstance(action, argparse._SubParsersAction) or action.required:
            continue  # flags (on or off), the command name, a required argument (RESULTS)
        where = f"{name} {action.option_strings or action.dest}"
        assert action.help, f"{where}: no help"
        shown = formatter._expand_help(action)
        assert "(default" in shown or "(required" in shown, f"{where}: {shown!r}"
        assert "None" not in shown, shown


def test_summaries_are_one_line_each() -> None:
    for name in cli.COMMANDS:
        module = __import__(f"bench.commands.{name}", fromlist=["HELP"])
        assert "\n" not in module.HELP and len(module.HELP) <= 90, name
        assert module.DESCRIPTION.strip() and module.EXAMPLES.startswith("examples:\n")


@pytest.mark.parametrize("columns", ["100", "60", "200"])
def test_help_fits_the_terminal_and_never_goes_past_100_columns(columns: str) -> None:
    env = {**os.environ, "COLUMNS": columns, "PYTHONPATH": str(ROOT)}
    for command in [[], *([name] for name in cli.COMMANDS)]:
        done = subprocess.run([sys.executable, "-m", "bench", *command, "--help"], capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=120)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        widest = max(len(line) for line in done.stdout.splitlines())
        # usage lines and examples are not wrapped; the prose is
        assert widest <= min(int(columns), 100) or int(columns) < 80, (command, widest)
        assert widest <= 100, (command, widest)


def test_names_with_hyphens_are_not_split_across_lines() -> None:
    text = subcommands(cli.parser())["perf"].format_help()
    for name in ("keras-jax", "keras-torch", "numpy-perceptron", "gomp-spin0"):
        assert name in text


# --- comma lists ----------------------------------------------------------------------------------

def parse(*argv: str) -> argparse.Namespace:
    return cli.parser().parse_args(list(argv))


def test_comma_lists_and_repeated_flags_are_the_same_list() -> None:
    args = parse("run", "--backend", "numpy,sklearn", "--backend", "torch", "--task", "xor, and",
                 "--seed", "0,7", "--seed", "3", "--drop", "id,name", "--categorical", "zip")
    assert args.backend == ["numpy", "sklearn", "torch"] and args.task == ["xor", "and"]
    assert args.seed == [0, 7, 3] and args.drop == ["id", "name"] and args.categorical == ["zip"]
    assert parse("run").backend is None  # no flag: the suite's (or the default) backends
    assert parse("backends", "numpy,torch", "jax").names == ["numpy", "torch", "jax"]
    assert parse("scaling", "--backends", "numpy,torch").backends == ["numpy", "torch"]
    assert list(parse("scaling").backends) == ["numpy", "sklearn", "torch"]
    perf = parse("perf", "--frameworks", "", "--idiomatic", "torch", "--idiomatic", "sklearn")
    assert perf.frameworks == [] and perf.idiomatic == ["torch", "sklearn"]
    assert kit_cli.parser().parse_args(["numpy,torch"]).backends == ["numpy", "torch"]
    assert parse("tasks", "--columns", "task,kind", "--columns", "lr").columns == ["task", "kind", "lr"]
    # --set values hold commas themselves: repeated, never split
    assert parse("run", "--set", "layers=2,4,1", "--set", "epochs=5").set == ["layers=2,4,1", "epochs=5"]


def test_a_comma_list_builds_the_same_suite_as_repeated_flags(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    commas = run_command.build_suite(parse("run", "--backend", "numpy,numpy-perceptron", "--task", "xor,and",
                                           "--seed", "1,2"))
    repeated = run_command.build_suite(parse("run", "--backend", "numpy", "--backend", "numpy-perceptron",
                                             "--task", "xor", "--task", "and", "--seed", "1", "--seed", "2"))
    assert commas.cells() == repeated.cells() and len(commas.cells()) == 8
    assert commas.backends == ["numpy", "numpy-perceptron"] and commas.seeds == [1, 2]


# --- bad input: one line, status 2, a suggestion, nothing written ----------------------------------

def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str], main=cli.main) -> str:  # noqa: ANN001
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1, captured.err
    assert captured.out == ""
    return captured.err


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--backend", "pytorch"], "unknown backend 'pytorch'; did you mean 'torch'? known: numpy,"),
    (["run", "--backend", "numpy,pytorch"], "unknown backend 'pytorch'; did you mean 'torch'?"),
    (["run", "--task", "XOR"], "unknown task 'XOR'; did you mean 'xor'?"),
    (["run", "--task", "mnist"], "unknown task 'mnist'; did you mean 'mnist-idx' or 'mnist-subset'?"),
    (["run", "--seedz", "3"], "unrecognized arguments: --seedz 3; did you mean --seed or --seeds? "
                              "(see nnbench run --help)"),
    (["run", "--backends", "numpy"], "unrecognized arguments: --backends numpy; did you mean --backend?"),
    (["run", "--thraeds=2"], "unrecognized argument: --thraeds=2; did you mean --threads"),
    (["history", ".", "--fail-on-regresion"], "did you mean --fail-on-regression?"),
    (["run", "--division", "clsoed"],
     "argument --division: unknown choice 'clsoed'; did you mean 'closed'? choose from closed, open, tuned,"),
    (["rn"], "unknown command 'rn'; did you mean 'run'? choose from run, report,"),
    (["reprot", "r.jsonl"], "did you mean 'report'?"),
    (["run", "--start", "hot"], "unknown choice 'hot'; choose from warm, cold"),
    (["backends", "pytorch"], "unknown backend 'pytorch'; did you mean 'torch'?"),
    (["scaling", "--backends", "numpy,pytorch"], "unknown backend 'pytorch'; did you mean 'torch'?"),
    (["perf", "--idiomatic", "sklearn,pytorch"], "unknown idiomatic script 'pytorch'; did you mean 'torch'?"),
    (["perf", "--frameworks", "Keras"], "unknown framework 'Keras'; did you mean 'keras'?"),
    (["perf", "--contention-settings", "polcy"], "unknown thread setting 'polcy'; did you mean 'policy'"),
    (["run", "--set", "epoch=5"], "unknown spec field 'epoch'; did you mean 'epochs'? known: batch_size,"),
    (["run", "--backend", ""], "the suite names no backend"),
    (["tasks", "--columns", "task,licens"], "--columns: unknown column 'licens'; did you mean 'licence'?"),
    (["report", "a.jsonl", "b.jsonl"], "unrecognized argument: b.jsonl (see nnbench report --help)"),
])
def test_unknown_names_get_a_suggestion(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert message in usage_error(argv, capsys)
    assert list(tmp_path.iterdir()) == []


def test_the_kit_cli_suggests_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert "did you mean 'torch'?" in usage_error(["pytorch"], capsys, kit_cli.main)
    message = "unrecognized argument: --lng; did you mean --long? (see python -m bench.testing --help)"
    assert message in usage_error(["--lng"], capsys, kit_cli.main)


def test_a_column_list_starts_with_the_intended_column(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    header = ["id", *(f"feature_{i}" for i in range(29)), "label"]
    rows = [",".join(str((r + c) % 2) for c in range(31)) for r in range(20)]
    Path("wide.csv").write_text("\n".join([",".join(header), *rows]) + "\n")
    for command in ("run", "tasks"):
        err = usage_error([command, "--data", "wide.csv", "--target", "Label"], capsys)
        assert "unknown target column 'Label'; did you mean 'label'? columns: label, id, feature_0" in err
        assert err.rstrip().endswith("(31 in all)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.csv"]


# --- the suggestion helper ---------------------------------------------------------------------------

def test_close_matches() -> None:
    known = ["numpy", "numpy-perceptron", "sklearn", "torch", "keras-torch", "jax"]
    assert suggest.close_matches("pytorch", known)[0] == "torch"
    assert suggest.close_matches("SKLEARN", known) == ["sklearn"]  # the same name but for case wins alone
    assert suggest.close_matches("tensorflow", known) == []
    assert suggest.did_you_mean("nope", known) == ""
    assert suggest.did_you_mean("jaxx", known) == "did you mean 'jax'? "


def test_listed_keeps_short_lists_whole_and_cuts_long_ones_after_the_best() -> None:
    assert suggest.listed(["a", "b", "c"], ["c"]) == "a, b, c"
    names = [f"column_{i}" for i in range(30)] + ["target"]
    shown = suggest.listed(names, ["Target"], most=5)
    assert shown == "target, column_0, column_1, column_2, column_3 … (31 in all)"
    assert suggest.unknown("task", "x0r", ["and", "or", "xor"]) == \
        "unknown task 'x0r'; did you mean 'xor'? known: and, or, xor"
