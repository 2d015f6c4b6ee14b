"""`check_source_freshness`: the run summary's `freshness` value, read from the warehouse when the run publishes.

One query per source schema (flexlake.warehouses.raw_freshness) for the newest `_airbyte_extracted_at` of each
raw table. A source is judged by its newest record of any stream: a sync that delivered anything proves the
pipeline works, while a quiet stream (refunds, order_refunds) would otherwise alert on every run; each stream
still gets its own status in the summary, for the portal and for an operator who looks closer.

A failing read never fails the run: the summary then says `unknown` with the error, and the alert says so.
"""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.freshness_schema import Thresholds, resolve_thresholds
from flexlake.warehouses import get_warehouse

log = logging.getLogger(__name__)

# Worst last: a source's or the run's status is the worst of its parts' (no_data: nothing synced yet).
STATUS_ORDER = ("no_data", "ok", "warn", "error", "unknown")
MAX_ERROR_CHARS = 300


def check_source_freshness(tenant: TenantConfig, now: datetime | None = None) -> dict[str, Any]:
    """{checked_at, status, newest, sources: {name: {status, newest, age_minutes, thresholds, streams}}}."""
    now = now or datetime.now(UTC)
    try:
        found = get_warehouse(tenant.warehouse.type).newest_extracted_at(tenant)
    except Exception as error:  # the summary and the catalog matter more than this one read
        log.exception("freshness: could not read the raw tables of tenant %s", tenant.tenant_id)
        first_line = (str(error).splitlines() or [""])[0]
        message = f"{type(error).__name__}: {first_line}"[:MAX_ERROR_CHARS]
        return {"checked_at": _iso(now), "status": "unknown", "newest": None, "error": message, "sources": {}}
    sources = {
        source.name: source_freshness(
            found.get(source.name, {}),
            source.streams,
            resolve_thresholds(tenant.tier, tenant.effective_schedule, tenant.freshness, source.name),
            now,
        )
        for source in tenant.sources
    }
    newest = [value["newest"] for value in sources.values() if value["newest"]]
    return {
        "checked_at": _iso(now),
        "status": _worst(value["status"] for value in sources.values()),
        "newest": max(newest) if newest else None,  # the portal's "data freshness" of the run
        "sources": sources,
    }


def source_freshness(
    newest_by_table: Mapping[str, Any], streams: tuple[str, ...], thresholds: Thresholds, now: datetime
) -> dict[str, Any]:
    """One source: each configured stream's newest record and status, the source's from its newest stream."""
    newest = {stream: as_utc(newest_by_table.get(stream.lower())) for stream in streams}
    latest = max((value for value in newest.values() if value is not None), default=None)
    return {
        **_judged(latest, thresholds, now),
        "warn_after_minutes": _minutes(thresholds.warn),
        "error_after_minutes": _minutes(thresholds.error),
        "thresholds_from": thresholds.origin,
        "streams": {stream: _judged(value, thresholds, now) for stream, value in newest.items()},
    }


def _judged(newest: datetime | None, thresholds: Thresholds, now: datetime) -> dict[str, Any]:
    if newest is None:
        return {"newest": None, "age_minutes": None, "status": "no_data"}
    age = max(now - newest, timedelta(0))  # a clock ahead of the warehouse's is not negative staleness
    status = "error" if age > thresholds.error else "warn" if age > thresholds.warn else "ok"
    return {"newest": _iso(newest), "age_minutes": _minutes(age), "status": status}


def as_utc(value: Any) -> datetime | None:
    """A driver's value as aware UTC: naive timestamps are UTC (Airbyte writes UTC), numbers epoch ms (SQL Server)."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return datetime.fromtimestamp(float(value) / 1000, UTC)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    raise TypeError(f"_airbyte_extracted_at: unexpected value type {type(value).__name__}: {value!r}")


def _worst(statuses: Any) -> str:
    return max(statuses, key=STATUS_ORDER.index, default="no_data")


def _minutes(value: timedelta) -> float:
    return round(value.total_seconds() / 60, 1)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")
