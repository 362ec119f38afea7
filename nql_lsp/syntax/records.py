"""Plain slotted record classes: what ``@dataclass(slots=True)`` gives, without its start-up cost.

A dataclass generates its methods with ``exec`` when its module is imported, about a millisecond a class;
the command line imports a few dozen of them on every cold start. A record writes its ``__init__`` by
hand and inherits ``__repr__`` (fields in constructor order, as a dataclass prints them); ``ValueRecord``
adds field-wise ``==``, for the records that dataclasses compared that way.
"""

from __future__ import annotations


def _fields(record: object) -> tuple[str, ...]:
    code = type(record).__init__.__code__  # the constructor's own parameters
    names: tuple[str, ...] = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
    return names


class Record:
    """Identity equality, a dataclass-like ``repr``."""

    __slots__ = ()

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in _fields(self))
        return f"{type(self).__name__}({shown})"


class ValueRecord(Record):
    """Equal when of the same class with equal fields; unhashable, as a non-frozen dataclass is."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in _fields(self))

    __hash__ = None  # type: ignore[assignment]
