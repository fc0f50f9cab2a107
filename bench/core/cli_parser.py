"""The argument parser every nnbench command line uses (``nnbench``, ``python -m bench.testing``).

* Bad flags are one line, ``error: …``, and exit status 2, with a suggestion where one is close:
  an unknown flag (``--seedz`` → ``--seeds``), an invalid choice (``--division clsoed`` → ``closed``),
  an unknown command (``rn`` → ``run``).
* Help: descriptions are filled to the terminal's width paragraph by paragraph, indented lines (the
  examples) are kept as written, and every option that takes a value shows its default.
* Lists: :class:`NameList` takes comma-separated names and repeated flags alike.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from bench.core.suggest import close_matches, did_you_mean, quoted

#: The widest help output, in columns, however wide the terminal is (long lines are hard to read).
MAX_HELP_WIDTH = 100


class Names(tuple):
    """A tuple of names that prints as a comma list (a default in ``--help``, wrapped at its spaces)."""

    def __str__(self) -> str:
        return ", ".join(map(str, self))


def split_names(text: str) -> list[str]:
    """``"numpy, sklearn,"`` → ``["numpy", "sklearn"]``: comma-separated, blanks dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]


def comma_list(convert: Callable[[str], Any]) -> Callable[[str], list[Any]]:
    """An argparse ``type=`` for a comma list whose items are each converted (``--seed 0,7,42``)."""

    def parse(text: str) -> list[Any]:
        return [convert(item) for item in split_names(text)]

    parse.__name__ = getattr(convert, "__name__", "value")  # argparse names the type in its errors
    return parse


class NameList(argparse.Action):
    """A list flag: ``--backend numpy,sklearn`` and ``--backend numpy --backend sklearn`` alike.

    The first use replaces the default; later uses add to it. ``--flag ""`` gives an empty list.
    Items are split at commas here, or by a :func:`comma_list` ``type=`` that also converts them.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        current = getattr(namespace, self.dest, None)
        items = [item for value in (values if isinstance(values, list) else [values])
                 for item in (value if isinstance(value, list) else
                              split_names(value) if isinstance(value, str) else [value])]
        if current is None or current is self.default:
            current = []
        setattr(namespace, self.dest, [*current, *items])


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Paragraphs filled, indented lines (examples) kept, the default of each value-taking option shown."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 28,
                 width: int | None = None) -> None:
        if width is None:
            import shutil

            width = shutil.get_terminal_size().columns - 2
        super().__init__(prog, indent_increment, max_help_position, min(width, MAX_HELP_WIDTH))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        filled = []
        for paragraph in re.split(r"\n\s*\n", textwrap.dedent(text).strip("\n")):
            lines = paragraph.splitlines()
            if any(line[:1].isspace() for line in lines):  # examples, a table: as written
                filled.append("\n".join(indent + line for line in lines))
            else:
                filled.append(textwrap.fill(" ".join(paragraph.split()), width, initial_indent=indent,
                                            subsequent_indent=indent, break_on_hyphens=False))
        return "\n\n".join(filled)

    def _split_lines(self, text: str, width: int) -> list[str]:
        """An option's help, wrapped at spaces only: names such as keras-jax stay whole."""
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        if text is None or text == argparse.SUPPRESS or "(default" in text:
            return text
        if action.default in (None, False, argparse.SUPPRESS) or action.nargs == 0:
            return text
        if not action.option_strings and action.nargs not in ("?", "*"):
            return text
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """Malformed flags print one line ``error: ...`` (with a suggestion when one is close) and exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        """As argparse's, but arguments nobody takes are an error here, with the flags they are
        closest to: this parser (a subcommand's) knows its own flags, the top-level parser does not."""
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(self.unrecognized(extras))
        return parsed, extras

    def unrecognized(self, extras: list[str]) -> str:
        """``unrecognized arguments: --seedz 3; did you mean --seed or --seeds?``."""
        message = f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}"
        names = [flag[2:] for flag in self._option_string_actions if flag.startswith("--")]
        for extra in extras:
            if extra.startswith("-") and extra not in ("-", "--"):
                matches = close_matches(extra.lstrip("-").partition("=")[0], names, most=2)
                if matches:
                    return f"{message}; did you mean {' or '.join('--' + m for m in matches)}?"
        return message

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """An invalid choice names the choices, the closest first."""
        if action.choices is None or value in action.choices:
            return
        choices = [str(choice) for choice in action.choices]
        hint = did_you_mean(str(value), choices)
        what = "command" if isinstance(action, argparse._SubParsersAction) else "choice"
        raise argparse.ArgumentError(action, f"unknown {what} {quoted(value)}; {hint}"
                                             f"choose from {', '.join(choices)}")

