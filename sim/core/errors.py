"""What every exception class of citysafe needs to cross a process boundary intact.

A sweep's workers (a process pool, a Dask cluster) send a run's exception back to the sweep
process pickled. Python pickles an exception as ``type(exc)(*exc.args)``, and ``args`` is what
the class passed to ``Exception.__init__`` — a message — not what its own ``__init__`` takes.
A class whose ``__init__`` takes other arguments therefore breaks on the way back: one taking
``(file, what)`` fails to unpickle at all (the pool reports ``BrokenProcessPool`` and the cause
is lost), one taking a list of problems gets the message as that list and joins its
characters one per line. :class:`Picklable` rebuilds such an exception without calling its
``__init__``: the same type, ``args`` (so the same message) and attributes.

The two base classes of what citysafe says about its input files live here too. Every reader
of an input file (city tables and profile, tracks and wind radii, storm-surge tables, network
imports, text decoding) raises a subclass of :class:`InputDataError` whose message names the
file, the line or field and what was expected; the command line turns any of them into that
one line and exit code 2 (:mod:`sim.interfaces.cli`), never a traceback. A value that is legal
but suspicious (a track that ends inside the simulated window, a city beyond its projection's
area of use, a scripted event outside the window) is an :class:`InputDataWarning` naming the
file: the command line prints each once as ``warning: FILE: ...`` and the run goes on.
"""

from __future__ import annotations

from typing import Any


def _rebuild(cls: type[BaseException], args: tuple, state: dict[str, Any]) -> BaseException:
    """An exception of ``cls`` with ``args`` and the attributes ``state``, as pickled by
    :meth:`Picklable.__reduce__` (``BaseException.__new__`` sets ``args``; no ``__init__``)."""
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class Picklable:
    """Mixin (first among the bases) of an exception class whose ``__init__`` takes other
    arguments than its message: pickling keeps its type, message and attributes (module
    docstring). ``tests/test_breakit_journal_sweep.py`` round-trips every exception class
    defined under ``sim/``."""

    def __reduce__(self):
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class InputDataError(Picklable, ValueError):
    """An input file that cannot be used: the message names the file, the line or field and
    what was expected (subclasses add attributes such as ``file`` and ``line_no``; they pickle
    as :class:`Picklable` says)."""


class InputDataWarning(UserWarning):
    """An input that is legal but suspicious; the message starts with the file and says what
    the run will do with it."""


class CacheWarning(UserWarning):
    """A cached file that cannot be used (damaged, built from other inputs) and is rebuilt;
    the message starts with the file. Raised while a run builds its city, so ``citysafe run``
    prints it (``warning: FILE: ...``) as it prints :class:`InputDataWarning`, which the input
    check prints before the run."""
