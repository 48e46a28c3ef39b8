"""What every exception class of citysafe needs to cross a process boundary intact.

A sweep's workers (a process pool, a Dask cluster) send a run's exception back to the sweep
process pickled. Python pickles an exception as ``type(exc)(*exc.args)``, and ``args`` is what
the class passed to ``Exception.__init__`` — a message — not what its own ``__init__`` takes.
A class whose ``__init__`` takes other arguments therefore breaks on the way back: one taking
``(file, what)`` fails to unpickle at all (the pool reports ``BrokenProcessPool`` and the cause
is lost), one taking a list of problems gets the message as that list and joins its
characters one per line. :class:`Picklable` rebuilds such an exception without calling its
``__init__``: the same type, ``args`` (so the same message) and attributes.
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
