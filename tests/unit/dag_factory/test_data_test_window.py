"""Which rows a run's data tests read (dag_factory/data_test_window.py)."""

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import lazy_object_proxy
import pytest
import yaml
from flexlake.dag_factory.data_test_window import (
    DATA_TESTS_SINCE_ENV,
    DEFAULT_LOOKBACK_HOURS,
    data_test_env,
    data_tests_since,
    describe_data_test_window,
)

UTC = dt.UTC
TODAY_08 = dt.datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
TODAY_09 = dt.datetime(2026, 12, 6, 9, 0, 5, tzinfo=UTC)


def test_an_hourly_run_tests_rows_loaded_since_the_previous_success_minus_the_lookback() -> None:
    assert data_tests_since(TODAY_08, TODAY_09, 72, full_refresh=False) == "2026-12-03 08:00:00"
    assert data_tests_since(TODAY_08, TODAY_09, 0, full_refresh=False) == "2026-12-06 08:00:00"


@pytest.mark.parametrize(
    ("previous", "full_refresh"),
    [
        (None, False),  # the tenant's first run
        (dt.datetime(2026, 12, 5, 23, 0, tzinfo=UTC), False),  # the first run of the UTC day: the daily full test
        (TODAY_08, True),  # a full refresh rebuilds every row
    ],
)
def test_these_runs_test_every_row(previous: dt.datetime | None, full_refresh: bool) -> None:
    assert data_tests_since(previous, TODAY_09, 72, full_refresh=full_refresh) is None


def test_the_day_is_the_utc_day_whatever_the_timezone_airflow_hands() -> None:
    berlin = dt.timezone(dt.timedelta(hours=1))
    previous = dt.datetime(2026, 12, 6, 0, 30, tzinfo=berlin)  # 2026-12-05 23:30 UTC: yesterday
    assert data_tests_since(previous, TODAY_09, 1, full_refresh=False) is None


def _context(previous: dt.datetime | None) -> dict[str, object]:
    """What the Task SDK hands: the previous success's start behind a lazy proxy (around None, too)."""
    return {
        "dag_run": SimpleNamespace(start_date=TODAY_09),
        "prev_start_date_success": lazy_object_proxy.Proxy(lambda: previous),
    }


def test_the_env_comes_from_the_task_sdks_context_and_the_tenants_lookback() -> None:
    env = data_test_env(_context(TODAY_08), {"incremental_lookback_hours": 2}, full_refresh=False)
    assert env == {DATA_TESTS_SINCE_ENV: "2026-12-06 06:00:00"}
    assert "since 2026-12-06 06:00:00" in describe_data_test_window(env)
    default = data_test_env(_context(TODAY_08), {}, full_refresh=False)
    assert default == {DATA_TESTS_SINCE_ENV: "2026-12-03 08:00:00"}


def test_no_previous_success_behind_the_proxy_means_no_window() -> None:
    assert data_test_env(_context(None), {}, full_refresh=False) == {}
    assert "every row is tested" in describe_data_test_window({})


def test_the_default_lookback_is_the_dbt_projects() -> None:
    project = Path(__file__).parents[3] / "include" / "dbt" / "dbt_project.yml"
    assert yaml.safe_load(project.read_text())["vars"]["incremental_lookback_hours"] == DEFAULT_LOOKBACK_HOURS
