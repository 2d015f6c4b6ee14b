"""The DAG factory's shape: what every tenant DAG looks like, and how bad tenants are contained."""

import copy
import fcntl
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pendulum
import pytest
from airflow.sdk import DAG
from airflow.sdk.definitions.context import _AIRFLOW_PARSING_CONTEXT_DAG_ID
from airflow.sdk.exceptions import ParamValidationError
from airflow.serialization.decoders import decode_timetable
from airflow.serialization.encoders import encode_timetable
from airflow.timetables import trigger as core_trigger_timetables
from airflow.timetables.base import TimeRestriction
from airflow.utils.dates import cron_presets
from flexlake import settings
from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory import dbt_task_group as dbt_task_group_module
from flexlake.dag_factory import tenant_dag as tenant_dag_module
from flexlake.dag_factory.dbt_operator import NO_COLORS_FLAG, dbt_vars
from flexlake.dag_factory.tenant_dag import CONFIG_ERROR_TAG
from flexlake.dag_factory.writer_lock import single_writer_lock
from flexlake.tenant_config import TenantConfigError, load_tenant_config

DEMO_DAG_IDS = {"flexlake__acme_outdoor", "flexlake__bluebird_books", "flexlake__cobalt_cycles"}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_every_demo_tenant_gets_one_dag_named_after_it(product_dags: Mapping[str, DAG]) -> None:
    """One DAG per tenant file, id flexlake__<tenant_id>."""
    assert set(product_dags) == DEMO_DAG_IDS, f"unexpected DAG ids {sorted(product_dags)}"


def test_tasks_run_provision_then_ingestion_then_dbt_then_publish(product_dags: Mapping[str, DAG]) -> None:
    """provision_warehouse is first, ingestion waits for it, the one dbt build and the first per-model tasks wait
    for ingestion (those start with the build and report it as it goes: dbt_reports.py), publish is last."""
    dag = product_dags["flexlake__acme_outdoor"]
    provision = dag.get_task("provision_warehouse")
    sync = dag.get_task("airbyte_sync__shop")
    build = dag.get_task("dbt_build")
    publish = dag.get_task("publish_catalog")
    dbt_tasks = [task for task in dag.tasks if task.task_id.startswith("dbt_transform.")]
    assert not provision.upstream_task_ids, "provisioning must be first"
    assert sync.upstream_task_ids == {"provision_warehouse"}, (
        f"ingestion must follow provisioning: {sync.upstream_task_ids}"
    )
    assert dbt_tasks, "the dbt task group rendered no task"
    roots = [task for task in dbt_tasks if not any(up.startswith("dbt_transform.") for up in task.upstream_task_ids)]
    assert build.upstream_task_ids == {"airbyte_sync__shop"}, "dbt must wait for sync"
    assert roots and all(task.upstream_task_ids == {"airbyte_sync__shop"} for task in roots), "they start with it"
    assert "dbt_build" in publish.upstream_task_ids, "the catalog needs the whole build"
    assert all(up.startswith("dbt_transform.") for up in publish.upstream_task_ids - {"dbt_build"})
    assert not publish.downstream_task_ids, "publish_catalog must be last"


def test_tags_owner_retries_and_schedule_follow_the_tenant_file(product_dags: Mapping[str, DAG]) -> None:
    """Tags name tenant, tier and warehouse; the tier sets the schedule; runs never overlap or catch up."""
    expected_schedules = {
        "flexlake__acme_outdoor": "@hourly",
        "flexlake__bluebird_books": "@daily",
        "flexlake__cobalt_cycles": "*/15 * * * *",
    }
    for dag_id, schedule in expected_schedules.items():
        dag = product_dags[dag_id]
        tenant_id = dag_id.removeprefix("flexlake__")
        assert {"flexlake", f"tenant:{tenant_id}", "warehouse:duckdb"} <= set(dag.tags), dag.tags
        assert any(tag.startswith("tier:") for tag in dag.tags), dag.tags
        assert dag.schedule.expression == cron_presets.get(schedule, schedule), f"{dag_id}: {dag.schedule}"
        assert dag.max_active_runs == 1 and dag.catchup is False, dag_id
        assert all(task.owner == "flexlake" for task in dag.tasks), dag_id


def test_the_dag_list_shows_the_display_name_and_says_tier_warehouse_and_schedule(
    product_dags: Mapping[str, DAG],
) -> None:
    """The UI and the API show the tenant's display_name (the id stays); description and tags say how it runs."""
    for dag_id in DEMO_DAG_IDS:
        tenant = load_tenant_config(settings.TENANT_CONFIGS_DIR / f"{dag_id.removeprefix('flexlake__')}.yaml")
        dag = product_dags[dag_id]
        assert dag.dag_id == dag_id and dag.dag_display_name == tenant.display_name, dag.dag_display_name
        description = dag.description or ""
        for expected in (tenant.tier, tenant.warehouse.type, tenant.effective_schedule):
            assert expected in description, f"{dag_id}: {expected!r} missing from {description!r}"
        assert f"schedule:{tenant.effective_schedule}" in dag.tags, dag.tags


def test_every_dbt_command_of_a_dag_logs_without_colour_codes(product_dags: Mapping[str, DAG]) -> None:
    """The build, each model's own dbt run on a rerun and docs generation all pass dbt's --no-use-colors."""
    dag = product_dags["flexlake__acme_outdoor"]
    dbt_tasks = [task for task in dag.tasks if hasattr(task, "cosmos_kwargs")]
    assert {"dbt_build", "publish_catalog"} <= {task.task_id for task in dbt_tasks}, "no build or docs task found"
    assert any(task.task_id.endswith(".run") for task in dbt_tasks), "no model task found"
    coloured = [task.task_id for task in dbt_tasks if NO_COLORS_FLAG not in task.cosmos_kwargs()["dbt_cmd_flags"]]
    assert not coloured, f"dbt tasks without {NO_COLORS_FLAG}: {coloured}"


@pytest.mark.parametrize("minutes_after_tick", [0.5, 3, 59])
def test_unpausing_arms_the_schedule_without_running_the_tick_just_passed(
    product_dags: Mapping[str, DAG], minutes_after_tick: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's own timetable (as deserialized from the DAG) puts the first run at the next tick.

    An hourly tenant unpaused at 10:00:30, 10:03 or 10:59 first runs at 11:00; a run for 10:00 would take the
    one run slot ahead of the manual first load the operator triggers after unpausing.
    """
    dag = product_dags["flexlake__acme_outdoor"]
    timetable = decode_timetable(encode_timetable(dag.timetable))
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC) + timedelta(minutes=minutes_after_tick)
    restriction = TimeRestriction(earliest=dag.start_date, latest=None, catchup=dag.catchup)
    monkeypatch.setattr(core_trigger_timetables, "utcnow", lambda: pendulum.instance(now))
    first = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert first is not None and first.run_after == datetime(2026, 11, 26, 11, 0, tzinfo=UTC), first


def test_a_removed_mart_shrinks_the_rendered_graph(product_dags: Mapping[str, DAG]) -> None:
    """bluebird_books removed the customers mart: neither the mart nor its tests are rendered."""
    full = {task.task_id for task in product_dags["flexlake__acme_outdoor"].tasks}
    reduced = {task.task_id for task in product_dags["flexlake__bluebird_books"].tasks}
    assert any("mart_customer_lifetime" in task_id for task_id in full), "the full product has the mart"
    assert not any("mart_customer_lifetime" in task_id for task_id in reduced), sorted(reduced)
    assert any("mart_revenue_daily" in task_id for task_id in reduced), "other marts stay"


def test_a_changed_definition_reaches_dbt_as_a_var(product_dags: Mapping[str, DAG]) -> None:
    """cobalt_cycles reports revenue gross of refunds: the var is passed to every dbt task."""
    dag = product_dags["flexlake__cobalt_cycles"]
    task = dag.get_task("dbt_transform.mart_revenue_daily.run")
    cosmos_vars = task.cosmos_kwargs()["vars"]
    assert cosmos_vars.get("revenue_basis") == "gross", cosmos_vars


@pytest.mark.parametrize("requested", [True, False])
def test_a_run_with_full_refresh_rebuilds_models_and_seeds_but_not_tests(
    product_dags: Mapping[str, DAG], requested: bool
) -> None:
    """The run parameter full_refresh (UI trigger form, REST conf) reaches Cosmos's own operators as dbt's
    --full-refresh flag for a model's or seed's own dbt call (`dbt build` of it and its tests); a task of tests
    alone never gets it (dbt test has no such flag)."""
    dag = product_dags["flexlake__acme_outdoor"]
    assert dag.params["full_refresh"] is False, "an ordinary (scheduled) run is incremental"
    context = {"params": {"full_refresh": requested}}
    tests_only = next(task.task_id for task in dag.tasks if task.task_id.endswith("_test"))
    for task_id, rebuilds in [
        ("dbt_transform.fct_order_lines.run", requested),
        ("dbt_transform.currencies.seed", requested),
        (tests_only, False),
    ]:
        flags = dag.get_task(task_id).cosmos_operator_for_run(context).add_cmd_flags()
        assert ("--full-refresh" in flags) is rebuilds, f"{task_id}: {flags}"


def test_a_full_refresh_that_is_not_a_boolean_is_refused_at_trigger_time(product_dags: Mapping[str, DAG]) -> None:
    """Airflow validates a run's conf against the DAG's params when the run is created: a typo like
    "yes" is refused with the parameter's name instead of silently running incrementally."""
    params = copy.deepcopy(product_dags["flexlake__acme_outdoor"].params)
    with pytest.raises(ParamValidationError, match="full_refresh"):
        params["full_refresh"] = "yes"
    params["full_refresh"] = True
    assert params.validate()["full_refresh"] is True


def test_a_tenant_var_cannot_redirect_where_its_data_is_read_or_written(tmp_path: Path) -> None:
    """The pipeline's own vars (flexlake_schema_prefix, ...) are refused in a tenant file; the warehouse sets them."""
    path = _write(
        tmp_path,
        "sneaky.yaml",
        "tenant_id: sneaky\ndisplay_name: S\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop}]\ndbt: {vars: {flexlake_schema_prefix: other_tenant}}\n",
    )
    with pytest.raises(TenantConfigError, match=r"dbt\.vars\.flexlake_schema_prefix: unexpected field"):
        load_tenant_config(path)
    clean = _write(tmp_path, "clean.yaml", path.read_text().replace("sneaky", "clean").split("dbt:")[0])
    assert dbt_vars(load_tenant_config(clean))["flexlake_schema_prefix"] == "clean"


def test_a_broken_file_becomes_an_error_dag_and_the_others_stay(tenant_folder: Path) -> None:
    """A typo in one file yields an unscheduled error DAG with the problem in its docs; others are intact."""
    _write(
        tenant_folder,
        "broken_shop.yaml",
        "tenant_id: broken_shop\ndisplay_name: B\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop, optoins: {count: 5}}]\n",
    )
    dags = build_tenant_dags(tenant_folder)
    assert set(dags) >= DEMO_DAG_IDS, "a broken file must not remove other tenants' DAGs"
    broken = dags["flexlake__broken_shop"]
    assert CONFIG_ERROR_TAG in broken.tags
    assert broken.schedule is None, "an invalid tenant must not be scheduled"
    assert "Did you mean 'options'?" in (broken.doc_md or ""), broken.doc_md
    assert [task.task_id for task in broken.tasks] == ["config_error"]


def test_a_tenant_whose_build_fails_gets_an_error_dag_not_a_half_built_one(
    tenant_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception while building one tenant's tasks is contained to that tenant."""
    original = tenant_dag_module.build_publish_catalog_task

    def failing_for_cobalt(tenant):  # type: ignore[no-untyped-def]
        if tenant.tenant_id == "cobalt_cycles":
            raise RuntimeError("boom while building")
        return original(tenant)

    monkeypatch.setattr(tenant_dag_module, "build_publish_catalog_task", failing_for_cobalt)
    dags = build_tenant_dags(tenant_folder)
    assert CONFIG_ERROR_TAG in dags["flexlake__cobalt_cycles"].tags
    assert "boom while building" in (dags["flexlake__cobalt_cycles"].doc_md or "")
    assert CONFIG_ERROR_TAG not in dags["flexlake__acme_outdoor"].tags


def test_a_running_task_builds_only_its_own_tenant(tenant_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With Airflow's parsing context set to one dag_id (a task running), only that DAG is built."""
    monkeypatch.setenv(_AIRFLOW_PARSING_CONTEXT_DAG_ID, "flexlake__bluebird_books")
    dags = build_tenant_dags(tenant_folder)
    assert set(dags) == {"flexlake__bluebird_books"}, sorted(dags)


def test_doc_md_describes_the_tenant_without_secrets(tenant_folder: Path) -> None:
    """The DAG docs show tier, schedule, sources and customizations, and only connection ids."""
    _write(
        tenant_folder,
        "acme_pg.yaml",
        "tenant_id: acme_pg\ndisplay_name: PG Shop\ntier: professional\n"
        "warehouse: {type: postgres, connection_id: acme_pg_wh, database: analytics}\n"
        "sources: [{system: faker, name: shop}]\n",
    )
    doc = build_tenant_dags(tenant_folder)["flexlake__acme_pg"].doc_md or ""
    for expected in ("PG Shop", "professional", "@hourly", "acme_pg_wh", "analytics", "acme_pg_raw_<source>"):
        assert expected in doc, f"{expected!r} missing from doc_md"
    assert "password" not in doc.lower(), "doc_md must not mention secrets"


def test_starter_tenants_publish_a_summary_without_generating_docs(product_dags: Mapping[str, DAG]) -> None:
    """Docs generation queries the warehouse: only tiers that pay for a catalog run it."""
    assert type(product_dags["flexlake__bluebird_books"].get_task("publish_catalog")).__name__ == "PythonOperator"
    publish = product_dags["flexlake__acme_outdoor"].get_task("publish_catalog")
    assert publish.command == "docs" and "--static" in publish.cosmos_kwargs()["dbt_cmd_flags"]


def test_the_build_selects_exactly_the_nodes_the_dag_has_tasks_for(product_dags: Mapping[str, DAG]) -> None:
    """bluebird_books removed the customers mart and has no subscription system: its build must not run their
    models or their singular and relationship tests (dbt runs those despite --exclude when all is selected)."""
    dag = product_dags["flexlake__bluebird_books"]
    selected = set(dag.get_task("dbt_build").select.split())
    models = {t.task_id.split(".")[1] for t in dag.tasks if t.task_id.endswith(".run")}
    assert models <= selected, sorted(models - selected)
    assert not {"fct_subscriptions", "mart_customer_lifetime"} & selected
    removed = ("fct_subscriptions", "mart_subscription", "mart_customer")
    assert not [name for name in selected if any(part in name for part in removed)], sorted(selected)
    assert "not_null_fct_orders_order_key" in selected, "a model's tests are named too"
    assert dag.get_task("dbt_build").cosmos_kwargs()["indirect_selection"] == "empty"


def test_the_writers_of_a_duckdb_warehouse_file_run_in_sequence(product_dags: Mapping[str, DAG]) -> None:
    """DuckDB allows one writer per file: provision, the dbt build and publish_catalog are ordered, so the per-model
    tasks (readers of XCom) can run side by side."""
    dag = product_dags["flexlake__acme_outdoor"]
    assert "provision_warehouse" in dag.get_task("dbt_build").get_flat_relative_ids(upstream=True)
    assert "dbt_build" in dag.get_task("publish_catalog").get_flat_relative_ids(upstream=True)
    assert dag.max_active_tasks > 1


def test_a_duckdb_tenants_dbt_writers_take_turns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two retries running dbt for one DuckDB tenant at once wait for each other's writer lock."""
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    tenant = load_tenant_config(
        _write(
            tmp_path,
            "duo.yaml",
            "tenant_id: duo\ndisplay_name: D\ntier: starter\nwarehouse: {type: duckdb}\n"
            "sources: [{system: faker, name: shop}]\n",
        )
    )
    lock_file = tmp_path / "duo" / ".dbt-writer.lock"
    with single_writer_lock(tenant), lock_file.open("a") as other, pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with lock_file.open("a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released


def test_two_sources_of_one_system_both_reach_dbt_with_their_own_raw_schema(tmp_path: Path) -> None:
    """Two faker shops: dbt reads both raw schemas (DuckDB: each file's attach alias), the system once."""
    path = _write(
        tmp_path,
        "twins.yaml",
        "tenant_id: twins\ndisplay_name: T\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: eu}, {system: faker, name: us}]\n",
    )
    variables = dbt_vars(load_tenant_config(path))
    assert variables["flexlake_source_systems"] == ["faker"]
    assert variables["flexlake_raw_relations"] == {
        "faker": [{"database": "raw_eu", "schema": "twins_raw_eu"}, {"database": "raw_us", "schema": "twins_raw_us"}]
    }


def test_source_systems_the_tenant_lacks_render_no_tasks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Staging and adapter models of a system a tenant does not sync are excluded from its graph."""
    monkeypatch.setattr(dbt_task_group_module, "SOURCE_SYSTEMS", ("faker", "shopify"))
    path = _write(
        tmp_path,
        "solo.yaml",
        "tenant_id: solo\ndisplay_name: S\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop}]\n",
    )
    exclude = dbt_task_group_module.dbt_exclude(load_tenant_config(path))
    assert "tag:system:shopify" in exclude, exclude
    assert not any("faker" in selector for selector in exclude), exclude
    assert "tag:needs:subscriptions" in exclude, "no system has them"


@pytest.mark.parametrize("warehouse_type", ["snowflake", "redshift", "sqlserver"])
def test_a_tenant_on_each_server_warehouse_gets_a_full_dag_at_parse_time(tmp_path: Path, warehouse_type: str) -> None:
    """Parsing reads no connection (Cosmos resolves the profile when a task runs): the DAG has the same tasks
    as a DuckDB tenant's, provisioning first; its raw relations name the tenant's database."""
    warehouse = f"{{type: {warehouse_type}, connection_id: dw_{warehouse_type}, database: analytics}}"
    path = _write(
        tmp_path,
        "cloud.yaml",
        f"tenant_id: cloud\ndisplay_name: C\ntier: professional\nwarehouse: {warehouse}\n"
        "sources: [{system: faker, name: shop, engine: airbyte}]\nairbyte: {connection_id: airbyte_cloud}\n",
    )
    dag = build_tenant_dags(tmp_path)["flexlake__cloud"]
    assert CONFIG_ERROR_TAG not in dag.tags, dag.doc_md
    assert {"provision_warehouse", "airbyte_sync__shop", "publish_catalog"} <= set(dag.task_ids), dag.task_ids
    assert len([task for task in dag.task_ids if task.startswith("dbt_transform.")]) > 50, dag.task_ids
    relations = dbt_vars(load_tenant_config(path))["flexlake_raw_relations"]
    assert relations == {"faker": [{"database": "analytics", "schema": "cloud_raw_shop"}]}, relations


def test_pass_through_columns_reach_dbt_and_only_declared_entities_get_a_task(tmp_path: Path) -> None:
    """Declared columns become var flexlake_pass_through_columns (name defaulting to the column); the
    pass_through__<entity> models of entities without a column of a synced system are excluded."""
    path = _write(
        tmp_path,
        "extra.yaml",
        "tenant_id: extra\ndisplay_name: E\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop}]\n"
        "dbt:\n  pass_through_columns:\n"
        "    customers: [{system: faker, column: gender},\n"
        "                {system: faker, column: age, name: age_years, type: integer}]\n"
        "    products: [{system: shopify, column: vendor, name: shopify_vendor}]\n",
    )
    tenant = load_tenant_config(path)
    assert dbt_vars(tenant)["flexlake_pass_through_columns"] == {
        "customers": [
            {"system": "faker", "column": "gender", "name": "gender", "type": "string"},
            {"system": "faker", "column": "age", "name": "age_years", "type": "integer"},
        ],
        "products": [{"system": "shopify", "column": "vendor", "name": "shopify_vendor", "type": "string"}],
    }
    exclude = dbt_task_group_module.dbt_exclude(tenant)
    assert "tag:pass_through:customers" not in exclude, exclude
    assert {"tag:pass_through:orders", "tag:pass_through:products"} <= set(exclude), "no synced system declares them"


def test_repeated_pass_through_names_are_rejected_with_the_fix(tmp_path: Path) -> None:
    """Two columns landing under one name in dim_customers would fail in dbt hours later: caught at load."""
    path = _write(
        tmp_path,
        "twice.yaml",
        "tenant_id: twice\ndisplay_name: T\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop}]\n"
        "dbt: {pass_through_columns: {customers: [{system: faker, column: gender}, "
        "{system: shopify, column: tags, name: gender}]}}\n",
    )
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    message = str(raised.value)
    assert "dbt.pass_through_columns.customers: names must be unique, repeated: gender" in message, message
    assert "twice.yaml" in message, message
