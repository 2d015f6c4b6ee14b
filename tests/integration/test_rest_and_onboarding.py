"""The stack a user gets from `make up`, driven through the REST API with the official client.

One stack per module (scripts/airflow_up.sh on a free port, temp Airflow home, data and tenant folder):
a starter tenant's run end to end, a tenant onboarded by dropping a file in, a broken file that shows up as
an error DAG without hiding any other tenant, a failed model then cleared on DuckDB and PostgreSQL at once, typed
run parameters (refused, checked, honoured), and a PostgreSQL tenant offboarded with `flexlake remove-tenant`.
"""

import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import yaml
from flexlake.access.sync import FAB_AUTH_MANAGER
from flexlake.dag_factory.run_params import RUN_PARAM_NAMES

from tests.integration.airflow_servers import (
    AirflowStack,
    FinishedRun,
    list_dag_ids,
    running_airflow_stack,
    unpause_and_trigger,
    unpause_trigger_and_wait,
    wait_for_dag_listed,
    wait_for_run,
)
from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

log = logging.getLogger(__name__)

STARTER_TENANT = "bluebird_books"
# A bound that catches "never", not a speed goal: ~85 tasks at a few seconds each on two shared cores.
RUN_TIMEOUT_SECONDS = 1200
# A new YAML is seen at the next re-parse of dags/flexlake_tenants.py (min_file_process_interval 30 s)
# plus the parse itself; the figure we measure goes to docs/benchmarks.md, this bound only catches "never".
ONBOARDING_TIMEOUT_SECONDS = 180
PG_CONNECTION_ID = "rest_pg_wh"
FLEXLAKE = Path(sys.executable).parent / "flexlake"


def _tenant_ids(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.yaml") if not path.name.startswith(("_", "."))}


def _write_tenant_file(stack: AirflowStack, tenant_id: str, text: str) -> Path:
    """Written under a dot-name, then renamed: the DAG processor never reads half a file."""
    staging = stack.tenant_configs_dir / f".{tenant_id}.yaml.tmp"
    staging.write_text(text)
    target = stack.tenant_configs_dir / f"{tenant_id}.yaml"
    staging.rename(target)
    return target


def _write_tenant_copy(stack: AirflowStack, tenant_id: str, *, replace: tuple[str, str] | None = None) -> Path:
    """A copy of the starter tenant under a new id; written under a dot-name, then renamed (atomic drop)."""
    text = (stack.tenant_configs_dir / f"{STARTER_TENANT}.yaml").read_text()
    text = text.replace(f"tenant_id: {STARTER_TENANT}", f"tenant_id: {tenant_id}")
    if replace:
        text = text.replace(*replace)
    return _write_tenant_file(stack, tenant_id, text)


@pytest.fixture(scope="module")
def airflow_stack(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, postgres_server: PostgresServer
) -> Iterator[AirflowStack]:
    """scripts/airflow_up.sh running for this module, with a connection to the session's PostgreSQL; the
    components' log tails are shown if a test failed."""
    failed_before = request.session.testsfailed
    server = postgres_server
    uri = f"postgres://{server.user}:{server.password}@{server.host}:{server.port}/{server.dbname}"
    connection = {f"AIRFLOW_CONN_{PG_CONNECTION_ID.upper()}": uri}
    with running_airflow_stack(tmp_path_factory.mktemp("airflow_stack"), extra_env=connection) as stack:
        yield stack
        if request.session.testsfailed > failed_before:
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"\nAirflow stack logs (a test failed):\n{stack.log_tails(60)}")


def test_a_starter_tenant_runs_end_to_end_through_the_rest_api(airflow_stack: AirflowStack) -> None:
    """Every tenant file is a tagged DAG; a triggered starter run syncs, transforms, publishes, all green.

    The run is triggered with conf {"full_refresh": true} (the first load may as well be one): the API server
    accepts it against the DAG's params and the dbt run tasks pass --full-refresh to dbt."""
    from airflow_client.client import DAGApi, TaskInstanceApi  # noqa: PLC0415

    tenants = _tenant_ids(airflow_stack.tenant_configs_dir)
    with airflow_stack.api_client() as client:
        dags = {dag.dag_id: dag for dag in DAGApi(client).get_dags(limit=1000, exclude_stale=True).dags}
    assert set(dags) == {f"flexlake__{tenant}" for tenant in tenants}, f"DAGs {sorted(dags)} vs tenants {tenants}"
    for tenant in tenants:
        # The UI lists the tenant's own name; description and tags say how it runs (issue 20 item 2).
        display_name = yaml.safe_load((airflow_stack.tenant_configs_dir / f"{tenant}.yaml").read_text())["display_name"]
        listed = dags[f"flexlake__{tenant}"]
        assert listed.dag_display_name == display_name, f"{tenant}: dag_display_name {listed.dag_display_name!r}"
        assert all(word in (listed.description or "") for word in ("tier", "warehouse", "schedule")), listed.description
        tags = {tag.name for tag in dags[f"flexlake__{tenant}"].tags}
        assert {"flexlake", f"tenant:{tenant}"} <= tags, f"{tenant}: tags {tags}"
        assert {prefix for prefix in ("tier:", "warehouse:") if any(t.startswith(prefix) for t in tags)} == {
            "tier:",
            "warehouse:",
        }, f"{tenant}: tags {tags} lack tier:/warehouse:"

    run = unpause_trigger_and_wait(
        airflow_stack, f"flexlake__{STARTER_TENANT}", timeout=RUN_TIMEOUT_SECONDS, conf={"full_refresh": True}
    )
    log.info("trigger to %s: %.1f s (run itself %s s)", run.state, run.trigger_to_end_seconds, run.run_seconds)

    tasks = run.task_states
    assert run.state == "success", f"run {run.dag_run_id} ended {run.state}: {tasks}\n{airflow_stack.log_tails()}"
    assert "airbyte_sync__webshop" in tasks, f"no ingestion task among {sorted(tasks)}"
    assert any(task.startswith("dbt_transform.") for task in tasks), f"no dbt task among {sorted(tasks)}"
    assert "publish_catalog" in tasks, f"no publish_catalog among {sorted(tasks)}"
    assert set(tasks.values()) == {"success"}, f"not all tasks succeeded: {tasks}"

    with airflow_stack.api_client() as client:
        task_log = TaskInstanceApi(client).get_log(
            f"flexlake__{STARTER_TENANT}", run.dag_run_id, "publish_catalog", try_number=1, full_content=True
        )
        build_log, fact_log = (
            TaskInstanceApi(client).get_log(
                f"flexlake__{STARTER_TENANT}", run.dag_run_id, task_id, try_number=1, full_content=True
            )
            for task_id in ("dbt_build", "dbt_transform.fct_order_lines.run")
        )
    assert "catalog" in str(task_log.content), f"publish_catalog's log is not readable via the API: {task_log}"
    assert "--full-refresh" in str(build_log.content), f"the run asked for a full refresh: {build_log.content}"
    # The model's own task shows what the run's one dbt build did for that model, with dbt's lines about it.
    assert "dbt build: fct_order_lines success" in str(fact_log.content), fact_log.content
    coloured = [name for name, got in (("dbt_build", build_log), ("fct_order_lines", fact_log)) if "\x1b[" in str(got)]
    assert not coloured, f"ANSI colour codes in the task logs of {coloured}"

    catalog = airflow_stack.data_dir / "catalog" / STARTER_TENANT
    latest = (catalog / "latest").read_text().strip()
    assert (catalog / latest / "summary.json").is_file(), f"latest -> {latest}, no summary.json in {catalog}"


def test_b_a_tenant_file_dropped_into_the_folder_becomes_a_listed_dag(airflow_stack: AirflowStack) -> None:
    """Onboarding: a new YAML in the watched folder is listed as flexlake__dora_deli within the bound."""
    assert "flexlake__dora_deli" not in list_dag_ids(airflow_stack), "dora_deli listed before its file exists"
    dropped_at = time.monotonic()
    _write_tenant_copy(airflow_stack, "dora_deli")
    wait_for_dag_listed(airflow_stack, "flexlake__dora_deli", timeout=ONBOARDING_TIMEOUT_SECONDS)
    log.info("file drop to DAG listed: %.1f s", time.monotonic() - dropped_at)


def test_c_a_broken_tenant_file_becomes_an_error_dag_and_hides_no_other_tenant(airflow_stack: AirflowStack) -> None:
    """A typo'd key yields DAG flexlake__broken_shop tagged flexlake:config-error, docs saying 'Did you mean', listed
    as INVALID with the problem in its description; its triggered run fails at once with the full error."""
    from airflow_client.client import DAGApi, TaskInstanceApi  # noqa: PLC0415

    healthy = {f"flexlake__{tenant}" for tenant in _tenant_ids(airflow_stack.tenant_configs_dir)}
    _write_tenant_copy(airflow_stack, "broken_shop", replace=("display_name:", "dispaly_name:"))
    wait_for_dag_listed(airflow_stack, "flexlake__broken_shop", timeout=ONBOARDING_TIMEOUT_SECONDS)

    listed = list_dag_ids(airflow_stack)
    assert healthy <= listed, f"a broken file hid other tenants: missing {sorted(healthy - listed)}"
    with airflow_stack.api_client() as client:
        details = DAGApi(client).get_dag_details("flexlake__broken_shop")
    tags = {tag.name for tag in details.tags}
    assert "flexlake:config-error" in tags, f"error DAG tags {tags}"
    assert "Did you mean" in (details.doc_md or ""), f"doc_md lacks the problem line:\n{details.doc_md}"
    assert "dispaly_name" in (details.doc_md or ""), f"doc_md does not name the bad key:\n{details.doc_md}"
    # In the DAG list it reads INVALID with the problem itself; a trigger fails on its first try with the full error.
    assert (details.dag_display_name or "").startswith("INVALID"), details.dag_display_name
    assert (details.description or "").startswith("INVALID"), details.description
    assert "dispaly_name" in (details.description or ""), f"the description lacks the problem: {details.description}"
    run = unpause_trigger_and_wait(airflow_stack, "flexlake__broken_shop", timeout=ONBOARDING_TIMEOUT_SECONDS)
    assert run.state == "failed" and run.task_states == {"config_error": "failed"}, run
    with airflow_stack.api_client() as client:
        error_log = str(
            TaskInstanceApi(client)
            .get_log("flexlake__broken_shop", run.dag_run_id, "config_error", try_number=1, full_content=True)
            .content
        )
    assert "dispaly_name" in error_log and "flexlake validate" in error_log, error_log[-2000:]


@dataclass(frozen=True)
class FxScenario:
    """A tenant whose FX rate table does not exist yet, on one warehouse; `create_fx_table(sql)` creates it there."""

    tenant_id: str
    warehouse_yaml: str
    fx_relation: str
    create_fx_table: Callable[[str], None]

    @property
    def dag_id(self) -> str:
        return f"flexlake__{self.tenant_id}"


FAILING_TASK = "dbt_transform.input__fx_rates.run"


def _clear_failed_with_downstream(stack: AirflowStack, dag_id: str, dag_run_id: str) -> None:
    from airflow_client.client import (  # noqa: PLC0415
        ClearTaskInstancesBody,
        ClearTaskInstancesBodyTaskIdsInner,
        TaskInstanceApi,
    )

    with stack.api_client() as client:
        TaskInstanceApi(client).post_clear_task_instances(
            dag_id,
            ClearTaskInstancesBody(
                dry_run=False,
                dag_run_id=dag_run_id,
                task_ids=[ClearTaskInstancesBodyTaskIdsInner(FAILING_TASK)],
                include_downstream=True,
                only_failed=False,
            ),
        )


def _assert_failed_as_a_user_sees_it(stack: AirflowStack, scenario: FxScenario, first: FinishedRun) -> None:
    from airflow_client.client import TaskInstanceApi  # noqa: PLC0415

    states, dag_id = first.task_states, scenario.dag_id
    assert first.state == "failed", f"{dag_id}: the run must fail: {states}"
    assert states["dbt_build"] == "success", "dbt ran; the failure is the model's, shown on the model's task"
    assert states[FAILING_TASK] == "failed", states
    assert states["dbt_transform.mart_revenue_daily.run"] == "upstream_failed", states
    assert states["dbt_transform.fct_orders.run"] == "success", "an independent branch still builds"
    assert states["publish_catalog"] == "upstream_failed", states
    with stack.api_client() as client:
        task_api = TaskInstanceApi(client)
        failed_log = str(task_api.get_log(dag_id, first.dag_run_id, FAILING_TASK, try_number=1).content)
        green = task_api.get_task_instance(dag_id, first.dag_run_id, "dbt_transform.fct_orders.run")
        green_log = str(task_api.get_log(dag_id, first.dag_run_id, green.task_id, try_number=1).content)
    assert "fx_rates" in failed_log and "input__fx_rates" in failed_log, f"dbt's message is missing:\n{failed_log}"
    # A green model's task ended in the triggerer (dbt_reports.BuildReportTrigger): no worker, dbt's lines shown.
    assert green.queued_when is None and not green.hostname, f"a green report task went to a worker: {green}"
    assert "dbt build: fct_orders success" in green_log, f"the model's dbt lines are missing:\n{green_log}"


def _assert_green_after_the_clear(stack: AirflowStack, scenario: FxScenario, after: FinishedRun) -> None:
    from airflow_client.client import TaskInstanceApi  # noqa: PLC0415

    tries = after.try_numbers
    assert set(after.task_states.values()) == {"success"}, f"{scenario.dag_id}: not green after the retry: {after}"
    assert tries[FAILING_TASK] == 2, f"the failed task ran again as its attempt 2: {after}"
    assert tries["dbt_transform.mart_revenue_daily.run"] == 1, f"the skipped mart ran for the first time: {after}"
    assert tries["dbt_build"] == 1 and tries["dbt_transform.fct_orders.run"] == 1, "only the cleared re-ran"
    with stack.api_client() as client:
        retry_log = str(
            TaskInstanceApi(client).get_log(scenario.dag_id, after.dag_run_id, FAILING_TASK, try_number=2).content
        )
    assert "itself: a rerun" in retry_log, retry_log[-2000:]
    assert "\x1b[" not in retry_log, "ANSI colour codes in the log of a model task that ran dbt itself"
    catalog = stack.data_dir / "catalog" / scenario.tenant_id
    assert (catalog / (catalog / "latest").read_text().strip() / "summary.json").is_file()


def test_d_a_failed_model_fails_its_task_and_clearing_it_rebuilds_only_it_and_its_downstream(
    airflow_stack: AirflowStack, postgres_server: PostgresServer
) -> None:
    """One `dbt build` per run (issue 13), as a user sees it on the real scheduler, on DuckDB and PostgreSQL at once
    (the two tenants' runs overlap, as tenants' runs do; one scenario, half the waiting).

    Each tenant names an FX rate table it has not created yet: the build fails `input__fx_rates`, dbt skips what
    depends on it and builds the independent branches. In Airflow that model's task fails with dbt's message,
    its downstream tasks are upstream_failed, independent models are green (ended in the triggerer, dbt's lines
    in their logs), nothing is published. The user creates the table and clears the failed task with its
    downstream: those tasks run dbt for their own models (on DuckDB under the tenant's writer lock), the others
    are not run again, and the run ends green with its catalog published.
    """
    import duckdb  # noqa: PLC0415

    def create_duckdb_fx_table(sql: str) -> None:
        with duckdb.connect(str(airflow_stack.data_dir / "ferro_fx" / "warehouse.duckdb")) as warehouse:
            warehouse.execute(sql)

    def create_postgres_fx_table(sql: str) -> None:
        with psycopg2.connect(**postgres_server.connection_kwargs) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
        connection.close()

    pg_warehouse = f"{{type: postgres, connection_id: {PG_CONNECTION_ID}, database: {postgres_server.dbname}}}"
    scenarios = (
        FxScenario("ferro_fx", "{type: duckdb}", "finance.fx_rates", create_duckdb_fx_table),
        FxScenario("ferro_pg", pg_warehouse, "ferro_finance.fx_rates", create_postgres_fx_table),
    )
    for scenario in scenarios:
        _write_tenant_file(
            airflow_stack,
            scenario.tenant_id,
            f"tenant_id: {scenario.tenant_id}\ndisplay_name: {scenario.tenant_id}\ntier: starter\n"
            f"warehouse: {scenario.warehouse_yaml}\n"
            "sources: [{name: webshop, system: faker, options: {count: 120, seed: 3}}]\n"
            f"dbt: {{disabled_marts: [customers], vars: {{fx_rates_relation: {scenario.fx_relation}}}}}\n",
        )
    for scenario in scenarios:
        wait_for_dag_listed(airflow_stack, scenario.dag_id, timeout=ONBOARDING_TIMEOUT_SECONDS)
    run_ids = {scenario.dag_id: unpause_and_trigger(airflow_stack, scenario.dag_id) for scenario in scenarios}
    for scenario in scenarios:
        first = wait_for_run(airflow_stack, scenario.dag_id, run_ids[scenario.dag_id], timeout=RUN_TIMEOUT_SECONDS)
        _assert_failed_as_a_user_sees_it(airflow_stack, scenario, first)

    for scenario in scenarios:
        schema, table = scenario.fx_relation.split(".")
        scenario.create_fx_table(
            f"create schema {schema}; create table {schema}.{table} as select date '2020-01-01' as rate_date,"
            " cast('EUR' as varchar) as from_currency, cast('USD' as varchar) as to_currency, 1.1 as rate"
        )
        _clear_failed_with_downstream(airflow_stack, scenario.dag_id, run_ids[scenario.dag_id])
    for scenario in scenarios:
        after = wait_for_run(airflow_stack, scenario.dag_id, run_ids[scenario.dag_id], timeout=RUN_TIMEOUT_SECONDS)
        _assert_green_after_the_clear(airflow_stack, scenario, after)


def test_e_run_parameters_are_typed_checked_before_any_work_and_honoured(airflow_stack: AirflowStack) -> None:
    """Issue 20 item 1 through the real API server: a wrong type is refused when the run is created (HTTP 400 naming
    the parameter); an unknown key fails the run in its first task, naming the key and the allowed ones; skip_sync
    with a dbt selection builds only that mart from the raw data already there (test_a synced it), the other
    models' tasks skipped in the triggerer, the catalog published. The two runs overlap (two tenants). The UI's
    trigger form renders the DAG details' params: every run parameter is there with its title and description."""
    from airflow_client.client import DAGApi, DagRunApi, TaskInstanceApi, TriggerDAGRunPostBody  # noqa: PLC0415
    from airflow_client.client.exceptions import ApiException  # noqa: PLC0415

    starter, fresh = f"flexlake__{STARTER_TENANT}", "flexlake__dora_deli"  # dora_deli: onboarded by test_b
    with airflow_stack.api_client() as client:
        form = DAGApi(client).get_dag_details(starter).params or {}
    shown = {name: (param["schema"].get("title"), param["description"]) for name, param in form.items()}
    assert list(shown) == list(RUN_PARAM_NAMES) and all(all(texts) for texts in shown.values()), shown
    with airflow_stack.api_client() as client, pytest.raises(ApiException) as refused:
        wrong_type = TriggerDAGRunPostBody(logical_date=None, conf={"full_refresh": "yes"})
        DagRunApi(client).trigger_dag_run(starter, wrong_type)
    assert refused.value.status == 400 and "full_refresh" in str(refused.value.body), refused.value

    narrowed = unpause_and_trigger(airflow_stack, starter, {"skip_sync": True, "select": "mart_revenue_daily"})
    typo = unpause_and_trigger(airflow_stack, fresh, {"fullrefresh": True})
    run = wait_for_run(airflow_stack, starter, narrowed, timeout=RUN_TIMEOUT_SECONDS)
    failed = wait_for_run(airflow_stack, fresh, typo, timeout=RUN_TIMEOUT_SECONDS)

    states = run.task_states
    assert run.state == "success", states
    assert states["airbyte_sync__webshop"] == "skipped", states
    assert states["dbt_build"] == states["dbt_transform.mart_revenue_daily.run"] == "success", states
    assert states["dbt_transform.fct_orders.run"] == "skipped", "a model outside the selection is not built"
    assert states["publish_catalog"] == "success", states
    assert failed.state == "failed" and failed.task_states["provision_warehouse"] == "failed", failed.task_states
    assert failed.task_states["airbyte_sync__webshop"] == "upstream_failed", "nothing ran after the refusal"
    with airflow_stack.api_client() as client:
        task_api = TaskInstanceApi(client)
        skipped = task_api.get_task_instance(starter, narrowed, "dbt_transform.fct_orders.run")
        build_log = str(task_api.get_log(starter, narrowed, "dbt_build", try_number=1, full_content=True).content)
        mart = "dbt_transform.mart_revenue_daily.run"
        mart_log = str(task_api.get_log(starter, narrowed, mart, try_number=1, full_content=True).content)
        refusal = str(task_api.get_log(fresh, typo, "provision_warehouse", try_number=1, full_content=True).content)
    assert skipped.queued_when is None and not skipped.hostname, f"a skipped report task went to a worker: {skipped}"
    assert "mart_revenue_daily" in build_log and "--select" in build_log, build_log[-3000:]
    assert re.search(r"dbt build: \w+ pass", mart_log), f"the selected mart's tests ran with it:\n{mart_log[-2000:]}"
    assert "'fullrefresh'" in refusal and "allowed keys are full_refresh" in refusal, refusal[-2000:]


def test_f_remove_tenant_offboards_a_postgres_tenant(
    airflow_stack: AirflowStack, postgres_server: PostgresServer
) -> None:
    """`flexlake remove-tenant gone_pg --apply --drop-data --yes` against the stack's metadata DB: the DAG is paused,
    the catalog archived, schemas (with their tables), roles, records and the reader's connection gone, the file
    deleted. No DAG run: the tenant is provisioned with `flexlake provision` as an operator onboards one."""
    from airflow_client.client import ConnectionApi, DAGApi, DAGPatchBody  # noqa: PLC0415
    from airflow_client.client.exceptions import NotFoundException  # noqa: PLC0415

    dag_id = "flexlake__gone_pg"
    warehouse = f"{{type: postgres, connection_id: {PG_CONNECTION_ID}, database: {postgres_server.dbname}}}"
    tenant_file = _write_tenant_file(
        airflow_stack,
        "gone_pg",
        f"tenant_id: gone_pg\ndisplay_name: Gone\ntier: starter\nwarehouse: {warehouse}\n"
        "sources: [{name: webshop, system: faker}]\n",
    )
    environment = _cli_environment(airflow_stack, postgres_server)
    _flexlake(environment, "provision", "gone_pg")
    _flexlake(environment, "access", "sync")  # the tenant's role, as an operator onboards one (issue 15)
    _flexlake(environment, "access", "add-user", "gone_pg", "gone_analyst", "--password-stdin", stdin="s3cret-pw\n")
    with psycopg2.connect(**postgres_server.connection_kwargs) as connection, connection.cursor() as cursor:
        cursor.execute("create table gone_pg_marts.orders as select 1 as order_id")
    connection.close()
    published = airflow_stack.data_dir / "catalog" / "gone_pg" / "v1" / "summary.json"
    published.parent.mkdir(parents=True)
    published.write_text("{}")
    wait_for_dag_listed(airflow_stack, dag_id, timeout=ONBOARDING_TIMEOUT_SECONDS)
    with airflow_stack.api_client() as client:
        DAGApi(client).patch_dag(dag_id, DAGPatchBody(is_paused=False))

    output = _flexlake(environment, "remove-tenant", "gone_pg", "--apply", "--drop-data", "--yes")

    assert "removed role tenant_gone_pg; users deleted: gone_analyst" in output, output
    with airflow_stack.api_client() as client:
        assert DAGApi(client).get_dag(dag_id).is_paused, f"{dag_id} is not paused:\n{output}"
        with pytest.raises(NotFoundException):
            ConnectionApi(client).get_connection("flexlake_reader__gone_pg")
    left = postgres_server.fetch(
        "select nspname from pg_namespace where nspname like 'gone_pg%' union all "
        "select rolname from pg_roles where rolname like 'gone_pg%' union all "
        "select schema_name from flexlake_admin.schema_owners where tenant_id = 'gone_pg' union all "
        "select tenant_id from flexlake_admin.provisioning where tenant_id = 'gone_pg'"
    )
    assert not left, f"left behind on PostgreSQL: {left}\n{output}"
    archived = list((airflow_stack.data_dir / "catalog" / "_offboarded").glob("gone_pg-*/v1/summary.json"))
    assert len(archived) == 1 and not published.exists(), f"catalog not archived:\n{output}"
    assert not tenant_file.exists(), output


def _cli_environment(stack: AirflowStack, server: PostgresServer) -> dict[str, str]:
    """What an operator's shell on the stack's machine has: its Airflow home (metadata DB), auth manager (FAB, as
    scripts/airflow_up.sh sets it), data and tenant folders, and the warehouse connection."""
    uri = f"postgres://{server.user}:{server.password}@{server.host}:{server.port}/{server.dbname}"
    return {
        **os.environ,
        "AIRFLOW_HOME": str(stack.airflow_home),
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
        "FLEXLAKE_DATA_DIR": str(stack.data_dir),
        "FLEXLAKE_TENANT_CONFIGS_DIR": str(stack.tenant_configs_dir),
        f"AIRFLOW_CONN_{PG_CONNECTION_ID.upper()}": uri,
    }


def _flexlake(environment: dict[str, str], *arguments: str, stdin: str | None = None) -> str:
    """The console script, as an operator runs it; its stdout (the command must succeed)."""
    result = subprocess.run(
        [str(FLEXLAKE), *arguments],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"flexlake {' '.join(arguments)} exited {result.returncode}:\n{result.stderr[-3000:]}"
    )
    return result.stdout
