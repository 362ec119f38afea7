"""Waiting in a test for what a server sends: the one loop both test clients share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


class Waking:
    """A client that records what the server sends and calls :meth:`wake` after each thing recorded, so that
    :meth:`until` asks its question again only when the answer may have changed, never on a poll timer."""

    #: Seconds :meth:`until` waits before the test fails.
    until_timeout = 10.0

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def until(self, found: Callable[[], _T | None], timeout: float | None = None) -> _T:
        """``found()`` once it is truthy, asked again after each thing the server sends that is recorded."""

        async def wait() -> _T:
            while not (result := found()):
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.append(waiter)
                await waiter
            return result

        return await asyncio.wait_for(wait(), self.until_timeout if timeout is None else timeout)
