"""Running the same call from several threads at once, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(call: Callable[[], object], copies: int, timeout: float = 60) -> list:
    """`call()` in `copies` threads released together; their results, in finishing order.

    A thread's exception is raised here, after all have ended (a thread's own would be lost).
    """
    results: list = []
    errors: list[BaseException] = []
    start = threading.Barrier(copies)

    def run() -> None:
        try:
            start.wait()
            results.append(call())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if errors:
        raise errors[0]
    return results
