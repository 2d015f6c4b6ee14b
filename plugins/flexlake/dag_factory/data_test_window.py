"""Which rows a run's data tests read: only what the run changed, except once a day and on full refreshes.

An hourly run rewrites a sliver of each incremental fact, yet testing every row of it again costs what the first
build cost (issue 14). The run's `dbt build` therefore gets `FLEXLAKE_DATA_TESTS_SINCE`: the tests of
incremental models then read only rows loaded since then (include/dbt/macros/data_test_window.sql). Rows the
run writes carry a loaded_at no older than the previous successful run's start minus the facts' lookback
(what they re-read), so that is the bound. Everything is tested (the variable left unset) on a full refresh, on
a tenant's first successful run, and on the first run of each UTC day: a periodic full test, so a problem in an
old row (a dimension row gone under an old order) surfaces within a day. Reconciliation tests are always exact.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

DATA_TESTS_SINCE_ENV = "FLEXLAKE_DATA_TESTS_SINCE"
# include/dbt/dbt_project.yml's default of var incremental_lookback_hours (a unit test keeps them equal).
DEFAULT_LOOKBACK_HOURS = 72


def data_tests_since(
    previous_success_start: dt.datetime | None, run_start: dt.datetime, lookback_hours: int, full_refresh: bool
) -> str | None:
    """The naive UTC timestamp the run's windowed tests read from, or None when the run tests everything."""
    if full_refresh or previous_success_start is None:
        return None
    previous = previous_success_start.astimezone(dt.UTC)
    if previous.date() != run_start.astimezone(dt.UTC).date():
        return None
    since = previous - dt.timedelta(hours=lookback_hours)
    return since.strftime("%Y-%m-%d %H:%M:%S")


def data_test_env(context: Mapping[str, Any], dbt_vars: Mapping[str, Any], full_refresh: bool) -> dict[str, str]:
    """The environment a tenant run's `dbt build` gets for its data tests ({} = test every row)."""
    dag_run = context.get("dag_run")
    run_start = getattr(dag_run, "start_date", None) or dt.datetime.now(dt.UTC)
    lookback = int(dbt_vars.get("incremental_lookback_hours", DEFAULT_LOOKBACK_HOURS))
    since = data_tests_since(previous_success_start(context), run_start, lookback, full_refresh)
    return {DATA_TESTS_SINCE_ENV: since} if since else {}


def previous_success_start(context: Mapping[str, Any]) -> dt.datetime | None:
    """Airflow's `prev_start_date_success`, unwrapped (the Task SDK hands a lazy proxy, also around None)."""
    value = context.get("prev_start_date_success")
    value = getattr(value, "__wrapped__", value)
    return value if isinstance(value, dt.datetime) else None


def describe_data_test_window(env: Mapping[str, str]) -> str:
    """What the build log says about the window, so a reader knows why a test passed on a subset."""
    if since := env.get(DATA_TESTS_SINCE_ENV):
        return f"incremental models' tests read rows loaded since {since} UTC (all rows: daily, on full refresh)"
    return "every row is tested (a full refresh, the tenant's first run, or its first run of the UTC day)"
