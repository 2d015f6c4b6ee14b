"""The run summary's freshness: statuses per stream and source, read from real DuckDB raw files."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from flexlake.freshness import check_source_freshness, freshness_breaches
from flexlake.freshness.check import as_utc, source_freshness
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.freshness_schema import Thresholds
from flexlake.warehouses.duckdb import DuckDBWarehouse

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DUCKDB = DuckDBWarehouse()
TWO_SIX = Thresholds(timedelta(hours=2), timedelta(hours=6), "professional tier")


def _tenant(tmp_path: Path, **fields: Any) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": "professional",
            "warehouse": {"type": "duckdb", "path": str(tmp_path / "warehouse.duckdb")},
            "sources": [
                {"name": "shop", "system": "faker"},
                {"name": "legacy", "system": "faker", "streams": ["users"]},
                {"name": "fresh_start", "system": "faker"},
            ],
            **fields,
        }
    )


def _raw(path: Path, schema: str, tables: dict[str, str | None], column: str = "_airbyte_extracted_at") -> None:
    """One raw table per stream holding one row extracted at the given time (None: an empty table)."""
    with duckdb.connect(str(path)) as connection:
        connection.execute(f"create schema {schema}")
        for table, extracted_at in tables.items():
            connection.execute(f'create table {schema}."{table}" (id bigint, "{column}" timestamp)')
            if extracted_at:
                connection.execute(f'insert into {schema}."{table}" values (1, ?)', [extracted_at])


def test_stream_and_source_statuses_follow_the_thresholds() -> None:
    """The source takes its newest stream's age; each stream keeps its own status; empty streams have no data."""
    newest = {"users": NOW - timedelta(hours=1), "products": NOW - timedelta(hours=7), "purchases": None}
    result = source_freshness(newest, ("users", "products", "purchases"), TWO_SIX, NOW)
    assert (result["status"], result["age_minutes"]) == ("ok", 60.0), result
    statuses = {stream: value["status"] for stream, value in result["streams"].items()}
    assert statuses == {"users": "ok", "products": "error", "purchases": "no_data"}, statuses
    assert (result["warn_after_minutes"], result["error_after_minutes"]) == (120.0, 360.0), result
    assert result["newest"] == "2026-12-07T11:00:00+00:00", result["newest"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 12, 7, 9, 30), datetime(2026, 12, 7, 9, 30, tzinfo=UTC)),  # naive: Airbyte writes UTC
        (datetime(2026, 12, 7, 11, 30, tzinfo=timezone(timedelta(hours=2))), datetime(2026, 12, 7, 9, 30, tzinfo=UTC)),
        (1796635800000, datetime(2026, 12, 7, 9, 30, tzinfo=UTC)),  # SQL Server: BIGINT epoch milliseconds
        (Decimal("1796635800000"), datetime(2026, 12, 7, 9, 30, tzinfo=UTC)),
        (None, None),
    ],
)
def test_every_drivers_value_becomes_utc(value: Any, expected: datetime | None) -> None:
    """Naive, zoned and epoch-millisecond values of the same instant compare equal."""
    assert as_utc(value) == expected


def test_a_duckdb_tenant_is_read_from_each_sources_raw_file(tmp_path: Path) -> None:
    """shop fresh (one stale stream), legacy 30 h old (error), fresh_start never synced (no file): no_data."""
    tenant = _tenant(tmp_path)
    _raw(
        DUCKDB.raw_path(tenant, "shop"),
        "acme_raw_shop",
        {"users": "2026-12-07 11:30:00", "products": "2026-12-07 03:00:00", "purchases": "2026-12-07 11:45:00"},
    )
    _raw(
        DUCKDB.raw_path(tenant, "legacy"),
        "acme_raw_legacy",
        {"USERS": "2026-12-06 06:00:00"},
        "_AIRBYTE_EXTRACTED_AT",
    )

    freshness = check_source_freshness(tenant, now=NOW)

    sources = freshness["sources"]
    assert {name: value["status"] for name, value in sources.items()} == {
        "shop": "ok",
        "legacy": "error",
        "fresh_start": "no_data",
    }, sources
    assert sources["shop"]["streams"]["products"]["status"] == "error", sources["shop"]
    assert sources["legacy"]["age_minutes"] == 30 * 60, sources["legacy"]
    assert (freshness["status"], freshness["newest"]) == ("error", "2026-12-07T11:45:00+00:00"), freshness
    assert freshness_breaches(freshness) == (
        "legacy (error): newest raw record 2026-12-06T06:00:00+00:00, 30.0 h old; error after 6.0 h "
        "(professional tier); streams not fresh: users",
    )


def test_a_tenant_override_turns_the_stale_source_into_a_warning(tmp_path: Path) -> None:
    """legacy's own thresholds (24 h / 48 h) make 30 h a warning, and the alert says where they come from."""
    tenant = _tenant(tmp_path, freshness={"sources": {"legacy": {"warn_after_hours": 24, "error_after_hours": 48}}})
    _raw(DUCKDB.raw_path(tenant, "legacy"), "acme_raw_legacy", {"users": "2026-12-06 06:00:00"})
    legacy = check_source_freshness(tenant, now=NOW)["sources"]["legacy"]
    assert (legacy["status"], legacy["thresholds_from"]) == ("warn", "freshness.sources"), legacy


def test_a_failed_read_is_recorded_as_unknown_and_alerted_without_failing_the_run(tmp_path: Path) -> None:
    """A raw file that is not a DuckDB database: the summary says unknown with the error, the alert says so."""
    tenant = _tenant(tmp_path)
    raw = DUCKDB.raw_path(tenant, "shop")
    raw.write_text("not a database")
    freshness = check_source_freshness(tenant, now=NOW)
    assert freshness["status"] == "unknown" and freshness["error"], freshness
    (line,) = freshness_breaches(freshness)
    assert line.startswith("freshness could not be checked: "), line
