"""The ``citysafe`` command group that imports a command's module only when it is needed.

``citysafe --help`` lists every command from a table of names and one-line summaries
(:class:`LazyCommand`) without importing any of them: importing them all (Mesa, pandas,
matplotlib, solara, the scenario schema …) took 1.6–3 s of CPU before the list appeared.
A command's module is imported when the command is run or its own ``--help`` is asked
(:meth:`LazyGroup.resolve_command`), and whoever reads ``group.commands`` gets the real
commands (:class:`LazyCommands`): tests and the docs check read options from there.

This is click's documented pattern for lazily loaded subcommands (click documentation,
"Complex Applications", section "Lazily Loading Subcommands",
https://click.palletsprojects.com/en/8.1.x/complex/: a group subclass whose ``list_commands``
names the commands and whose ``get_command`` imports one), on typer's ``TyperGroup``. Each
command is built by typer as it was registered before (``add_typer`` for a sub-app,
``command`` for a function), so its options and help are typer's own.

Boolean flags (``--quiet``, ``--overwrite``, ``--help`` …) show no ``<bool>`` type in the
help: typer 0.29's rich help prints a flag's type, which reads as if the flag took a value
(:func:`plain_flags`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup, TyperOption


@dataclass(frozen=True)
class LazyCommand:
    """One command of the group, registered by name.

    Attributes:
        name: the command's name (``citysafe NAME``).
        target: ``"module:attribute"``: a typer command function or a ``typer.Typer`` sub-app.
        short_help: the one line ``citysafe --help`` shows for it (also the command's
            ``short_help``, so the list is the same whether the command is loaded or not).
    """

    name: str
    target: str
    short_help: str

    def load(self) -> Callable[..., Any] | typer.Typer:
        """Import the target's module and return the function or sub-app.

        Raises:
            ImportError, AttributeError: the target does not exist (a test loads them all).
        """
        module, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module), attribute)


def _no_options() -> None:
    """The holder app's callback: makes typer build a group of the one command."""


def build_command(spec: LazyCommand) -> TyperCommand | TyperGroup:
    """The click command typer builds for ``spec``, as ``app.add_typer(sub, name=...)`` or
    ``app.command(name)(function)`` registers it on a typer app, with flags shown plain.

    Returns:
        A ``TyperCommand`` (a function) or ``TyperGroup`` (a sub-app) named ``spec.name``.
    """
    target = spec.load()
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=spec.name, short_help=spec.short_help)
    else:
        holder.command(spec.name, short_help=spec.short_help)(target)
    holder.callback()(_no_options)
    command = typer.main.get_command(holder).commands[spec.name]
    plain_flags(command, recursive=True)
    plain_help(command, recursive=True)
    return command


def plain_flags(command, recursive: bool = False) -> None:
    """Show ``command``'s boolean flags without a type in its rich help (``--overwrite``, not
    ``--overwrite <bool>``): their metavar is set to the empty string, which typer prints in
    the type column instead of the type. A flag takes no value, so the metavar is used nowhere
    else (error messages name a flag by its options).

    Args:
        command: a typer command or group; its ``--help`` option included.
        recursive: also the subcommands of a group (those already built).
    """
    ctx = typer.Context(command, info_name=command.name)  # names the help option
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
    if recursive and isinstance(command, TyperGroup):
        for sub in command.commands.values():
            plain_flags(sub, recursive=True)


_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


def plain_text(text: str | None) -> str | None:
    """Help text as a terminal shows it well: Sphinx roles (``:mod:`x```) and literals
    (double backquotes) become their plain text, and each paragraph's lines (hard-wrapped in
    the docstring) are joined, so the terminal wraps them at its own width instead of
    breaking mid-sentence. Paragraphs (blank lines) and a typer ``\\f`` cut are kept."""
    if not text:
        return text
    text = text.split("\f")[0]  # typer shows nothing after it
    text = _LITERAL.sub(r"\1", _ROLE.sub(r"\1", text))
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def plain_help(command, recursive: bool = False) -> None:
    """Make ``command``'s help plain (:func:`plain_text`: its docstring, which typer shows, and
    each option's help), and give a repeatable option without a metavar a plain one
    (``VALUE ...``, not typer's ``<list[str]>``).

    Args:
        command: a typer command or group.
        recursive: also the subcommands of a group (those already built).
    """
    command.help = plain_text(command.help)
    command.short_help = plain_text(command.short_help)
    for param in command.params:
        if isinstance(param, TyperOption):
            param.help = plain_text(param.help)
            if param.multiple and param.metavar is None:
                param.metavar = "VALUE ..."
    if recursive and isinstance(command, TyperGroup):
        for sub in command.commands.values():
            plain_help(sub, recursive=True)


class LazyCommands(MutableMapping):
    """A group's commands by name: the lazily registered ones are built on first access.

    Iterating, ``len`` and ``in`` name every command without building any; ``[name]``,
    ``get``, ``values`` and ``items`` build what they return.
    """

    def __init__(self, built: dict, lazy: tuple[LazyCommand, ...]) -> None:
        self._lazy = {spec.name: spec for spec in lazy if spec.name not in built}
        self._built = dict(built)
        self._order = [*self._lazy, *self._built]  # the table's order first

    def __getitem__(self, name: str):
        if name not in self._built:
            spec = self._lazy[name]  # KeyError: no such command
            self._built[name] = build_command(spec)
        return self._built[name]

    def __setitem__(self, name: str, command) -> None:
        if name not in self._order:
            self._order.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self._order:
            raise KeyError(name)
        self._order.remove(name)
        self._built.pop(name, None)
        self._lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._order))

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._order

    def built(self, name: str):
        """The command if it has been built, else None (never builds it)."""
        return self._built.get(name)

    def summary(self, name: str) -> TyperCommand | None:
        """A stand-in carrying only the name and one-line help of a command not yet built, for
        ``citysafe --help``'s list; None for a name not registered lazily."""
        spec = self._lazy.get(name)
        if spec is None:
            return None
        return TyperCommand(name, help=spec.short_help, short_help=spec.short_help)


class LazyGroup(TyperGroup):
    """A typer group whose ``lazy_commands`` are imported only when run or asked for help.

    Subclass it with a ``lazy_commands`` table and pass it as ``typer.Typer(cls=...)``.
    """

    lazy_commands: tuple[LazyCommand, ...] = ()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.commands = LazyCommands(dict(self.commands), self.lazy_commands)
        plain_flags(self)

    def list_commands(self, ctx) -> list[str]:
        """Every command's name, in the table's order (typer's own reads every command)."""
        return list(self.commands)

    def get_command(self, ctx, cmd_name: str):
        """The command if built, else its stand-in for the help's list (nothing imported)."""
        return self.commands.built(cmd_name) or self.commands.summary(cmd_name)

    def resolve_command(self, ctx, args: list[str]):
        """Build the command named by ``args[0]`` (importing its module), then resolve as
        click does (an unknown name: "No such command", with typer's suggestion)."""
        if args and args[0] in self.commands:
            self.commands[args[0]]  # noqa: B018 - builds and keeps it
        return super().resolve_command(ctx, args)
