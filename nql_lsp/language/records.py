"""Plain slotted record classes: what ``@dataclass(slots=True)`` gives, without its start-up cost.

A dataclass generates its methods with ``exec`` when its module is imported, about a millisecond a class,
and importing :mod:`dataclasses` itself pulls in :mod:`inspect` and :mod:`ast` (some 20 ms): a cold
``nql-lsp --check`` paid both for classes it never needed generated code for. A record writes its
``__init__`` by hand (its parameters name its fields, in order) and inherits the rest:

- :class:`Record`: identity equality and a dataclass-like ``repr`` (fields in constructor order);
- :class:`ValueRecord`: field-wise ``==``, unhashable, as a non-frozen dataclass;
- :class:`FrozenRecord`: field-wise ``==`` and a hash of the fields, as a frozen dataclass. Frozen by
  convention: nothing assigns to one after construction (a guard on every assignment would cost each
  construction what a frozen dataclass pays).

Each has ``replace(**changes)``, a copy with some fields changed, as :func:`dataclasses.replace` gives.
"""

from __future__ import annotations

from typing import Any, Self


def fields_of(record: object) -> tuple[str, ...]:
    """The record's field names: its constructor's own parameters, in order."""
    code = type(record).__init__.__code__
    names: tuple[str, ...] = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
    return names


def _fields_equal(record: Record, other: Record) -> bool:
    """Field-wise equality of two records of one class, compared as tuples, as a dataclass compares them
    (identity before ``==``)."""
    names = fields_of(record)
    same: bool = tuple(getattr(record, n) for n in names) == tuple(getattr(other, n) for n in names)
    return same


class Record:
    """Identity equality, a dataclass-like ``repr``."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in fields_of(self))
        return f"{type(self).__name__}({shown})"

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` made, as :func:`dataclasses.replace` makes one."""
        values = {n: getattr(self, n) for n in fields_of(self)}
        values.update(changes)
        return type(self)(**values)


class ValueRecord(Record):
    """Equal when of the same class with equal fields; unhashable, as a non-frozen dataclass is."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _fields_equal(self, other)

    __hash__ = None  # type: ignore[assignment]


class FrozenRecord(Record):
    """Equal when of the same class with equal fields, and hashed by them, as a frozen dataclass is."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _fields_equal(self, other)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in fields_of(self)))
