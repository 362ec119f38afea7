"""The one exception the Python API raises for bad input."""

from __future__ import annotations


class NQLError(ValueError):
    """A query, a column, an argument or a runs source the API cannot use; the message names what and where.

    It is a ``ValueError``, as neptune-client raised for a bad ``limit``, so code that caught that keeps
    working."""
