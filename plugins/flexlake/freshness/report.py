"""What an alert says about freshness: one line per source past its thresholds, read from a run summary."""

from collections.abc import Mapping
from typing import Any

BREACH_STATUSES = ("warn", "error")


def freshness_breaches(freshness: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Lines for the alert from a summary's `freshness` value (None or no breach: no line)."""
    if not freshness:
        return ()
    if freshness.get("status") == "unknown":
        return (f"freshness could not be checked: {freshness.get('error') or 'unknown error'}",)
    sources: Mapping[str, Any] = freshness.get("sources") or {}
    return tuple(
        _line(name, source) for name, source in sorted(sources.items()) if source.get("status") in BREACH_STATUSES
    )


def _line(name: str, source: Mapping[str, Any]) -> str:
    status = source["status"]
    limit = source.get(f"{status}_after_minutes")
    stale = [stream for stream, value in sorted((source.get("streams") or {}).items()) if value.get("status") != "ok"]
    return (
        f"{name} ({status}): newest raw record {source.get('newest')}, {_age(source.get('age_minutes'))} old; "
        f"{status} after {_age(limit)} ({source.get('thresholds_from')}); streams not fresh: "
        f"{', '.join(stale) or 'none'}"
    )


def _age(minutes: float | None) -> str:
    if minutes is None:
        return "?"
    return f"{minutes:g} min" if minutes < 120 else f"{minutes / 60:.1f} h"
