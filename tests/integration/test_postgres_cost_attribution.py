"""Cost attribution on PostgreSQL, from the server's own record (docs/warehouses.md, "Cost attribution").

A PostgreSQL 15 cluster of this module's own, started with the settings the docs give (`logging_collector = on`,
`log_destination = 'csvlog'`, `log_min_duration_statement = 0`): the shared `postgres_server` cannot have them, the
collector is a start-up setting. Two tenants build a few models each from one raw faker schema (tenant A
`+fct_orders`, tenant B `+dim_customers`, with their data tests), each in its own dbt process, as two tenants' DAGs
would. Then the recipe of the docs, run as written: the csvlog loaded into `postgres_log` with the docs' DDL and
`copy ... with csv`, and the per-tenant query (`PER_TENANT_SECONDS_SQL`, the same text as the docs').

Asserted: every model a tenant built has logged statements under `application_name` = flexlake:<tenant>:<model> with
time > 0; no statement labelled with one tenant touched the other's schemas; the monthly query gives each tenant its
own time, and the two add up to no more than every statement logged. Cost: one initdb and start (~2 s), two small
builds (tenant A 129 nodes in ~15 s): the module 27-70 s on 2 shared cores.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg2
import pytest

from tests.generators.faker import generate_faker
from tests.integration.conftest import PostgresServer, postgres_cluster
from tests.integration.dbt_cli import DbtBuild, build_project, other_systems_excluded, postgres_raw_warehouse

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs" / "warehouses.md"
RAW_SCHEMA = "costattr_raw_faker"
TENANTS = {"costattr_a": "+fct_orders", "costattr_b": "+dim_customers"}
# PostgreSQL 15's csvlog columns, in order ("Using CSV-Format Log Output"); the docs give the same DDL.
_POSTGRES_LOG_DDL_PATTERN = re.compile(r"create table postgres_log \(.*?\);", re.DOTALL)
_PER_TENANT_PATTERN = re.compile(r"-- seconds of one tenant's statements in one month\n(.*?;)", re.DOTALL)


# The settings of docs/warehouses.md's recipe: every statement with its duration, as csv under <data dir>/log.
_CSVLOG_SETTINGS = "-c logging_collector=on -c log_destination=csvlog -c log_min_duration_statement=0"


@dataclass(frozen=True)
class LoggingServer(PostgresServer):
    """A PostgreSQL cluster that writes every statement with its duration to csvlog files under `log_dir`."""

    log_dir: Path = Path()


@pytest.fixture(scope="module")
def logging_server() -> Iterator[LoggingServer]:
    """This module's own PostgreSQL 15 (the shared `postgres_server` cannot log this way: the collector is a start-up
    setting), logging every statement to csvlog; stopped and removed afterwards (conftest.postgres_cluster)."""
    with postgres_cluster(_CSVLOG_SETTINGS) as (server, data_dir):
        yield LoggingServer(**asdict(server), log_dir=data_dir / "log")


def _docs_sql(pattern: re.Pattern[str], what: str) -> str:
    """A SQL block of docs/warehouses.md's cost attribution section: the test runs the recipe as documented."""
    found = pattern.search(DOCS.read_text(encoding="utf-8"))
    assert found, f"docs/warehouses.md, 'Cost attribution': {what} not found (pattern {pattern.pattern!r})"
    return found.group(1) if pattern.groups else found.group(0)


def _build_tenant(server: LoggingServer, tenant: str, selection: str, work_dir: Path) -> DbtBuild:
    """One tenant's dbt build of `selection` into its own schemas (prefix = tenant id), from the shared raw schema."""
    dbt_vars = {
        "flexlake_tenant_id": tenant,
        "flexlake_schema_prefix": tenant,
        "flexlake_source_systems": ["faker"],
        "flexlake_raw_relations": {"faker": [{"database": None, "schema": RAW_SCHEMA}]},
    }
    command = ["build", "--select", selection, "--exclude", *other_systems_excluded(["faker"])]
    return build_project(
        [*command, "--indirect-selection", "cautious"],
        "postgres",
        dbt_vars,
        work_dir,
        fetch=server.fetch,
        env=server.dbt_env,
    )


def _wait_for_collector(server: LoggingServer, timeout: float = 30.0) -> None:
    """The collector writes asynchronously: a marker statement, then wait until the csv files contain it."""
    marker = f"costattr_marker_{time.time_ns()}"
    server.fetch(f"select '{marker}'")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(marker in path.read_text(errors="replace") for path in server.log_dir.glob("*.csv")):
            return
        time.sleep(0.2)
    raise AssertionError(f"the csvlog under {server.log_dir} never showed the marker statement")


def _load_csvlog(server: LoggingServer) -> None:
    """The docs' recipe: create postgres_log with their DDL, then `copy postgres_log from <file> with csv`."""
    connection = psycopg2.connect(**server.connection_kwargs)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(_docs_sql(_POSTGRES_LOG_DDL_PATTERN, "the postgres_log DDL"))
            for path in sorted(server.log_dir.glob("*.csv")):
                with path.open(encoding="utf-8") as csv_file:
                    cursor.copy_expert("copy postgres_log from stdin with csv", csv_file)
    finally:
        connection.close()


@dataclass(frozen=True)
class Attribution:
    """What the server's log says after both builds: the builds, and seconds by (tenant, model) label."""

    builds: dict[str, DbtBuild]
    by_label: dict[tuple[str, str], tuple[int, float]]  # (tenant, model) -> (statements, seconds)
    server: LoggingServer


@pytest.fixture(scope="module")
def attribution(logging_server: LoggingServer, tmp_path_factory: pytest.TempPathFactory) -> Attribution:
    postgres_raw_warehouse(logging_server, {RAW_SCHEMA: generate_faker(14, purchases=60)})
    builds = {
        tenant: _build_tenant(logging_server, tenant, selection, tmp_path_factory.mktemp(tenant))
        for tenant, selection in TENANTS.items()
    }
    _wait_for_collector(logging_server)
    _load_csvlog(logging_server)
    rows = logging_server.fetch(
        "select split_part(application_name, ':', 2), split_part(application_name, ':', 3), count(*),"
        " sum(substring(message from 'duration: ([0-9.]+) ms')::numeric) / 1000"
        " from postgres_log where application_name like 'flexlake:%' group by 1, 2"
    )
    by_label = {(str(tenant), str(model)): (int(count), float(seconds or 0)) for tenant, model, count, seconds in rows}
    return Attribution(builds, by_label, logging_server)


def test_both_builds_pass(attribution: Attribution) -> None:
    """The two tenants' selections build and their data tests pass (else the log would prove little)."""
    for tenant, build in attribution.builds.items():
        assert not build.failures(), f"{tenant}: {build.failures()}\n{build.output}"
        assert len(build.models()) >= 5, f"{tenant} built too few models: {build.models()}"


def test_every_model_a_tenant_built_has_its_statements_and_time_in_the_server_log(attribution: Attribution) -> None:
    """For each tenant and each model it built: statements logged under flexlake:<tenant>:<model>, time > 0."""
    for tenant, build in attribution.builds.items():
        for model in sorted(build.models()):
            statements, seconds = attribution.by_label.get((tenant, model), (0, 0.0))
            assert statements > 0 and seconds > 0, f"{tenant}/{model}: {statements} statements, {seconds} s logged"


def test_no_statement_labelled_with_one_tenant_touched_the_others_schemas(attribution: Attribution) -> None:
    """Every statement under flexlake:costattr_a:* names none of costattr_b's schemas nor carries its query comment,
    and the other way round; the labels name no tenant but the two."""
    assert {tenant for tenant, _ in attribution.by_label} == set(TENANTS), attribution.by_label
    for tenant in TENANTS:
        (other,) = set(TENANTS) - {tenant}
        leaked = attribution.server.fetch(
            "select application_name, left(message, 300) from postgres_log"
            " where split_part(application_name, ':', 2) = %s and message ~ %s limit 3",
            (tenant, f'{other}(_|")'),
        )
        assert not leaked, f"statements labelled {tenant} touched {other}'s schemas: {leaked}"


def _documented_monthly_query() -> str:
    """docs/warehouses.md's per-tenant query with its example tenant and month made parameters (%s)."""
    query = _docs_sql(_PER_TENANT_PATTERN, "the per-tenant monthly query").replace("%", "%%")  # psycopg2's escape
    for literal in ("'acme_outdoor'", "'2026-11-01'", "'2026-12-01'"):
        assert query.count(literal) == 1, f"the documented query no longer has {literal} once: {query}"
        query = query.replace(literal, "%s")
    return query


def test_the_documented_monthly_query_sums_each_tenants_statement_time(attribution: Attribution) -> None:
    """docs/warehouses.md's per-tenant query, as written but for its tenant and month: each tenant's seconds > 0
    and at least the sum over its models' labels (the query also counts the statements dbt sends before a model's
    pre-hook labels the session, by their query comment); both tenants together no more than every statement
    the server logged."""
    query = _documented_monthly_query()
    ((month_start, next_month),) = attribution.server.fetch(
        "select date_trunc('month', now())::date::text, (date_trunc('month', now()) + interval '1 month')::date::text"
    )
    seconds = {}
    for tenant in TENANTS:
        ((tenant_seconds,),) = attribution.server.fetch(query, (tenant, month_start, next_month))
        seconds[tenant] = float(tenant_seconds or 0)
        by_models = sum(s for (t, _), (_, s) in attribution.by_label.items() if t == tenant)
        assert seconds[tenant] > 0, f"{tenant}: the documented query found no time"
        assert seconds[tenant] >= by_models - 1e-6, (tenant, seconds[tenant], by_models)
    ((logged,),) = attribution.server.fetch(
        "select sum(substring(message from 'duration: ([0-9.]+) ms')::numeric) / 1000 from postgres_log"
    )
    assert sum(seconds.values()) <= float(logged) + 1e-6, (seconds, logged)
