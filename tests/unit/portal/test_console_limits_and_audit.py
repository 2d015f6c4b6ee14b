"""The SQL console's limits (per-user rate, DuckDB memory) and its audit log read back for the audit pages.

The rate limit's 429 through the api-server, and the audit pages' access matrix, are in
tests/integration/test_tenant_access.py.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from airflow.sdk import ObjectStoragePath
from flexlake.catalog.publish import catalog_root
from flexlake.portal.audit_page import audit_page
from flexlake.portal.console import ConsoleLimits, StatementFailed, run_duckdb
from flexlake.portal.console_audit import AuditRecord, newest_records, write_record
from flexlake.portal.rate_limit import RateLimit, RateLimitSettingError, SlidingWindowLimiter, parse_rate_limit
from flexlake.warehouses.duckdb_reader import publish_reader_copy


class FakeClock:
    """A monotonic clock the test moves by hand (the limiter's only notion of time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("text", "limit"), [("20/60", RateLimit(20, 60.0)), (" 3 / 0.5 ", RateLimit(3, 0.5))])
def test_the_rate_limit_setting_reads_statements_per_seconds(text: str, limit: RateLimit) -> None:
    """`<statements>/<seconds>`, blanks allowed."""
    assert parse_rate_limit(text) == limit


@pytest.mark.parametrize("text", ["20", "0/60", "20/0", "twenty/60", "20/60/1", ""])
def test_a_bad_rate_limit_setting_names_the_variable_and_the_format(text: str) -> None:
    """The operator reads which variable is wrong and how to write it."""
    with pytest.raises(RateLimitSettingError, match=r"FLEXLAKE_CONSOLE_RATE_LIMIT=.*<statements>/<seconds>"):
        parse_rate_limit(text)


def test_a_user_past_the_limit_waits_until_the_oldest_statement_leaves_the_window() -> None:
    """3 per 60 s: the 4th is refused with the exact wait, nothing refused is counted, the window slides."""
    clock = FakeClock()
    limiter = SlidingWindowLimiter(RateLimit(3, 60), clock=clock)
    accepted = []
    for step in (0, 10, 20):
        clock.now = 1000 + step
        accepted.append(limiter.retry_after("alice"))
    assert accepted == [None, None, None]
    clock.now = 1030
    assert limiter.retry_after("alice") == pytest.approx(30.0), "the oldest (t=1000) leaves at t=1060"
    assert limiter.retry_after("alice") == pytest.approx(30.0), "a refused statement does not extend the wait"
    clock.now = 1060
    assert limiter.retry_after("alice") is None, "one slot freed at t=1060"
    assert limiter.retry_after("alice") == pytest.approx(10.0), "the next frees at t=1070"


def test_each_user_has_a_window_of_their_own_and_idle_users_are_forgotten() -> None:
    """Bob is not slowed by Alice; users whose statements all left the window take no memory."""
    clock = FakeClock()
    limiter = SlidingWindowLimiter(RateLimit(1, 60), clock=clock)
    assert limiter.retry_after("alice") is None
    assert limiter.retry_after("bob") is None
    assert limiter.retry_after("alice") is not None
    clock.now += 61
    assert limiter.retry_after("carol") is None
    assert set(limiter._accepted) == {"carol"}


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reader copy with one 200,000-row mart, large enough to sort past a tiny memory limit."""
    folder = tmp_path_factory.mktemp("console_limits")
    live = folder / "warehouse.duckdb"
    with duckdb.connect(str(live)) as connection:
        connection.execute("create schema acme_marts")
        connection.execute("create table acme_marts.fct_lines as select range as id from range(200000)")
    path = folder / "reader.duckdb"
    publish_reader_copy(live, path, "acme_marts")
    return path


def test_a_duckdb_query_past_the_memory_limit_fails_with_the_setting_named(reader: Path) -> None:
    """A sort that needs more than the console's memory_limit fails (no spilling to disk) and says what to do;
    the same query runs under a larger limit."""
    heavy = (
        "select count(*) from (select id, md5(id::varchar) || repeat('x', 200) as pad "
        "from acme_marts.fct_lines order by 2)"
    )
    small = ConsoleLimits(timeout_seconds=30, max_rows=10, duckdb_memory_limit="8MB")
    with pytest.raises(StatementFailed, match=r"memory limit \(8MB, FLEXLAKE_CONSOLE_DUCKDB_MEMORY_LIMIT\)"):
        run_duckdb(reader, heavy, small)
    assert not reader.with_name(reader.name + ".tmp").exists(), "nothing was spilled next to the reader copy"
    settings = "select current_setting('memory_limit'), current_setting('temp_directory')"
    large = ConsoleLimits(timeout_seconds=30, max_rows=10, duckdb_memory_limit="1GB")
    assert run_duckdb(reader, heavy, large).rows == ((200000,),)
    (limit, temp), *_ = run_duckdb(reader, settings, large).rows
    assert (limit, temp) == ("953.6 MiB", ""), "1GB as DuckDB reports it; no temp directory"


def _root(tmp_path: Path, tenant_id: str) -> ObjectStoragePath:
    root: ObjectStoragePath = catalog_root((tmp_path / "catalog").as_uri(), tenant_id)
    return root


def test_the_newest_records_of_several_tenants_come_newest_first(tmp_path: Path) -> None:
    """Records over three days and two tenants: the newest `limit` of all, newest first, each with its tenant."""
    start = datetime(2026, 12, 5, 23, 59, tzinfo=UTC)
    roots = {tenant: _root(tmp_path, tenant) for tenant in ("acme", "beta")}
    for minute in range(6):  # acme at even minutes, beta at odd ones, crossing midnight twice
        tenant = "acme" if minute % 2 == 0 else "beta"
        moment = start + timedelta(hours=12 * minute)
        write_record(roots[tenant], AuditRecord("u", tenant, f"select {minute}", "ok", 1, 0.1), now=moment)
    newest = newest_records(roots, 4)
    assert [record["statement"] for record in newest] == ["select 5", "select 4", "select 3", "select 2"]
    assert [record["tenant_id"] for record in newest] == ["beta", "acme", "beta", "acme"]
    assert [r["statement"] for r in newest_records({"acme": roots["acme"]}, 10)] == ["select 4", "select 2", "select 0"]


def test_a_tenant_without_audited_statements_has_no_records(tmp_path: Path) -> None:
    """No audit folder (no statement ever ran) is an empty log, not an error."""
    assert newest_records({"acme": _root(tmp_path, "acme")}, 10) == []


def test_the_audit_page_shows_who_when_what_and_escapes_it() -> None:
    """Time, tenant, user, outcome, rows, seconds, the statement and a refusal's reason, all as text."""
    records = [
        {
            "at": "2026-12-07T08:00:01.5+00:00",
            "tenant_id": "acme",
            "user": "<alice>",
            "statement": "select '<script>'",
            "outcome": "failed",
            "rows": 0,
            "seconds": 0.25,
            "detail": "permission denied <b>",
        },
        {"at": "2026-12-07T07:00:00+00:00", "tenant_id": "acme", "user": "bob", "statement": "select 1"}
        | {"outcome": "ok", "rows": 1234, "seconds": 0.1},
    ]
    html = audit_page("SQL console audit", records, show_tenant=True)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;alice&gt;" in html
    assert "2026-12-07 08:00:01" in html and "1,234" in html and "0.250" in html
    assert '<span class="bad">failed</span>' in html and "permission denied &lt;b&gt;" in html
    assert "<th>Tenant</th>" in html
    assert "<th>Tenant</th>" not in audit_page("SQL console audit of acme", records, show_tenant=False)
    assert "No console statement" in audit_page("x", [], show_tenant=True)
