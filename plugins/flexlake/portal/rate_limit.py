"""The SQL console's per-user rate limit: at most N statements per user in any window of S seconds.

Why a limit at all: every statement is real work on the tenant's warehouse (its compute, its bill) and on the API
server, and a user (or a script holding a user's token) could otherwise loop on the console. Why in memory: the limit
protects this process's threads and the warehouse from a burst; a shared store (the metadata DB, Redis) would cost a
round trip per statement and a table Airflow's migrations do not own. With several API-server worker processes or
replicas each keeps its own count, so a user may reach N per process: docs/deploy.md says so.

The window slides: a user who ran N statements may run the next one S seconds after the oldest of them, and the
refusal says exactly when (the 429's Retry-After and its text).
"""

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*$")


class RateLimitSettingError(ValueError):
    """FLEXLAKE_CONSOLE_RATE_LIMIT is not `<statements>/<seconds>`; the message names the variable and the fix."""


@dataclass(frozen=True)
class RateLimit:
    statements: int
    seconds: float

    def describe(self) -> str:
        return f"{self.statements} statements per {self.seconds:g} s"


def parse_rate_limit(text: str, variable: str = "FLEXLAKE_CONSOLE_RATE_LIMIT") -> RateLimit:
    """`"20/60"` -> 20 statements per 60 s; a clear error naming the variable otherwise."""
    match = _RATE.match(text)
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise RateLimitSettingError(
            f"{variable}={text!r} is not a rate limit: write <statements>/<seconds> with both above zero, "
            'e.g. "20/60" (20 statements per user per minute)'
        )
    return RateLimit(int(match.group(1)), float(match.group(2)))


@dataclass
class SlidingWindowLimiter:
    """Per key (the user name), the times of the accepted statements within the window; thread-safe (FastAPI runs
    sync routes in a thread pool)."""

    limit: RateLimit
    clock: Callable[[], float] = time.monotonic
    _accepted: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: str) -> float | None:
        """None, and the statement counts, when `key` is under the limit; else the seconds until it may retry
        (nothing is counted for a refused statement)."""
        now = self.clock()
        with self._lock:
            accepted = self._accepted.setdefault(key, deque())
            while accepted and accepted[0] <= now - self.limit.seconds:
                accepted.popleft()
            if len(accepted) >= self.limit.statements:
                return accepted[0] + self.limit.seconds - now
            accepted.append(now)
            self._forget_idle(now)
            return None

    def _forget_idle(self, now: float) -> None:
        """Drop users whose every statement left the window, so the map holds only recent users."""
        idle = [key for key, times in self._accepted.items() if not times or times[-1] <= now - self.limit.seconds]
        for key in idle:
            del self._accepted[key]
