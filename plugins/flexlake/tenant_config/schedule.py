"""A tenant's `schedule`: checked when the file is read, as Airflow's cron timetable will read it, and bounded
by the tier (a starter tenant does not pay for minutely runs).

Airflow parses the expression only when the DAG is built; an expression it rejects there would fail that
tenant's DAG far from the file. Here it is refused with the fix, before any DAG exists.
"""

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from croniter import croniter  # type: ignore[import-untyped]  # no stubs published

# Airflow's cron presets (airflow.timetables._cron) and what they mean as cron.
CRON_PRESETS: dict[str, str] = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
}
# The shortest interval between two runs each tier may ask for.
TIER_MIN_INTERVAL: dict[str, timedelta] = {
    "starter": timedelta(days=1),
    "professional": timedelta(hours=1),
    "enterprise": timedelta(minutes=5),
}
# Fires looked at from a fixed start to find the shortest interval (a few ms; covers sub-daily patterns of a
# single day in the year too, since the count, not a time window, bounds the walk).
_FIRES_CHECKED = 200
_START = datetime(2026, 1, 1, tzinfo=UTC)
# croniter's R (random) and H (hashed) fields: a schedule that changes whenever the DAG file is parsed.
_RANDOM_FIELD = re.compile(r"(^|[\s,/-])[RrHh](\(|$|[\s,/-])")
_FIX = "use a 5-field cron in UTC such as '0 6 * * *', or a preset: " + ", ".join(CRON_PRESETS)


def schedule_problem(expression: str, tier: str) -> str | None:
    """Why `expression` cannot be this tier's schedule (one line, with the fix), or None when it can."""
    cron = CRON_PRESETS.get(expression.strip(), expression.strip())
    if len(expression) > 100 or len(cron.split()) != 5 or not croniter.is_valid(cron):
        return f"schedule: {expression[:100]!r} is not a cron expression Airflow accepts; {_FIX}"
    if _RANDOM_FIELD.search(cron):
        return f"schedule: {expression!r} uses R or H (random / hashed times, different at every parse); {_FIX}"
    shortest = _shortest_interval(cron)
    if shortest is None:
        return f"schedule: {expression!r} never runs (no such date); {_FIX}"
    minimum = TIER_MIN_INTERVAL[tier]
    if shortest < minimum:
        return (
            f"schedule: {expression!r} runs every {_human(shortest)} at times; the {tier} tier runs at most every "
            f"{_human(minimum)} (starter: daily, professional: hourly, enterprise: 5 minutes); run less often "
            "or change the tier"
        )
    return None


def _shortest_interval(cron: str) -> timedelta | None:
    try:
        fires = croniter(cron, _START)
        times: list[datetime] = [fires.get_next(datetime) for _ in range(_FIRES_CHECKED)]
    except (ValueError, KeyError, OverflowError):  # croniter's errors derive from ValueError
        return None
    return min(later - earlier for earlier, later in pairwise(times))


def _human(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}" if count > 1 else unit
    return f"{seconds} seconds"
