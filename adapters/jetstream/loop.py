"""One asyncio event loop on a dedicated thread, shared by the process.

eventsourcing is synchronous and nats-py is asyncio: synchronous callers (the
recorders, FastAPI's worker threads, the CLI) hand coroutines to this loop and
wait for the result, so the API's own event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """The process-wide loop thread, started on first use."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="quorum-nats-loop", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run `coro` on the background loop and wait for its result."""
    loop = background_loop()
    if _running_loop() is loop:
        coro.close()
        raise RuntimeError("run_sync() called from the background loop itself")
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    return future.result(timeout)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
