"""Exceptions of the infrastructure-network package."""

from __future__ import annotations

from sim.core.errors import InputDataError, InputDataWarning


class NetworkError(InputDataError):
    """A network or dependency is malformed (lengths differ, indices out of range, unknown layer).

    The message names the layer / dependency and the offending field so the caller can fix the
    generator or the imported data.
    """


class CascadeError(ValueError):
    """A cascade engine was called with inputs it cannot use (wrong mask shape, time going back)."""


class NetworkImportError(NetworkError):
    """A network file cannot be read or lacks what the importer needs.

    The message starts with the file and names the section, element or field at fault, so
    ``citysafe validate`` and ``citysafe run`` can print it as it is.
    """


class NetworkImportWarning(InputDataWarning):
    """An import applied a default, dropped an element or found one it cannot connect.

    The message starts with the file and names the section or element ids; the import still
    succeeds. Recorded in the network's ``meta["imports"][k]["warnings"]`` and, in a run, as an
    ``import_warning`` event.
    """
