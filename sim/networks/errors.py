"""Exceptions of the infrastructure-network package."""

from __future__ import annotations


class NetworkError(ValueError):
    """A network or dependency is malformed (lengths differ, indices out of range, unknown layer).

    The message names the layer / dependency and the offending field so the caller can fix the
    generator or the imported data.
    """


class CascadeError(ValueError):
    """A cascade engine was called with inputs it cannot use (wrong mask shape, time going back)."""
