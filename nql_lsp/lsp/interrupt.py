"""Stopping a running analysis from outside its thread, when a newer text makes its result worthless.

An analysis is plain Python with no points where it asks whether to go on (the parser and the checker
are the core's, which knows nothing of editors), so a superseded one is stopped the way CPython lets one
thread stop another: :c:func:`PyThreadState_SetAsyncExc` raises :class:`Superseded` in the analysing
thread at its next bytecode. An :class:`Interruptible` makes that safe to use on a pool thread: the
exception is only ever raised while the thread is inside :meth:`Interruptible.call`, at most once, and
one still pending when the call ends is withdrawn before the thread goes back to the pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


class Superseded(BaseException):
    """Raised inside an analysis that a newer text has made worthless.

    A BaseException, as KeyboardInterrupt is: the core's ``except Exception`` (a failed repair, an
    extractor that trips on odd text) must not take it for a failure of its own and carry on."""


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    """Have ``exc`` raised in thread ``thread_id`` at its next bytecode; None withdraws a pending one."""
    import ctypes  # here, not at start-up: only a stop needs it

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc else None)


class Interruptible:
    """One piece of work that may be stopped while it runs (or before it starts) by :meth:`stop`."""

    __slots__ = ("_fired", "_lock", "_stopped", "_thread")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: int | None = None  # the thread running the work, while it does
        self._stopped = False
        self._fired = False  # Superseded was raised (or is pending) in that thread

    @property
    def stopped(self) -> bool:
        return self._stopped

    def stop(self) -> None:
        """Stop the work: at once if it is running, and before it starts if it has not."""
        with self._lock:
            self._stopped = True
            if self._thread is not None and not self._fired:
                self._fired = True
                _raise_in(self._thread, Superseded)

    def call(self, fn: Callable[[], _T]) -> _T | None:
        """``fn()``, or None when it was stopped before or while it ran."""
        try:
            try:
                with self._lock:
                    if self._stopped:
                        return None
                    self._thread = threading.get_ident()
                return fn()
            finally:
                self._leave()
        except Superseded:
            self._leave()  # raised inside the first _leave, before it withdrew anything
            return None

    def _leave(self) -> None:
        with self._lock:
            if self._thread is not None and self._fired:
                _raise_in(self._thread, None)  # raised but not yet delivered: withdrawn
            self._thread = None
