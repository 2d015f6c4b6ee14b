"""Wire one tenant's DAG: provision_warehouse → ingestion (one task per source) → dbt task group → publish_catalog."""

import hashlib
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG, CronTriggerTimetable, get_parsing_context, task
from airflow.sdk.definitions.dag import TAG_MAX_LEN
from airflow.sdk.exceptions import AirflowFailException

from flexlake import settings
from flexlake.alerts.callbacks import alert_callbacks
from flexlake.dag_factory.catalog_task import build_publish_catalog_task
from flexlake.dag_factory.dag_docs import (
    config_error_description,
    config_error_display_name,
    config_error_doc_md,
    tenant_description,
    tenant_doc_md,
)
from flexlake.dag_factory.dag_file_shards import TenantShard, warn_when_near_parse_timeout
from flexlake.dag_factory.dbt_task_group import build_dbt_tasks
from flexlake.dag_factory.ingestion_tasks import build_ingestion_tasks
from flexlake.dag_factory.provision_task import build_provision_task
from flexlake.dag_factory.realtime_schedule import tenant_schedule
from flexlake.dag_factory.run_params import give_run_params_to, run_params
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_configs
from flexlake.tenant_config.warehouse_schema import IDENTIFIER_PATTERN

log = logging.getLogger(__name__)

DAG_ID_PREFIX = "flexlake__"
CONFIG_ERROR_TAG = "flexlake:config-error"
# The config-error DAG is unscheduled; a fixed start date keeps its identity stable across parses.
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
# Tasks of one run at a time. A DuckDB tenant's warehouse file allows one writer: its writers (provision, dbt_build,
# publish_catalog) are in sequence, each source syncs into its own raw file, and a per-model task that runs dbt
# itself (a retry) takes the tenant's writer lock (writer_lock.single_writer_lock).
MAX_ACTIVE_TASKS = 8
ALL_TENANTS = TenantShard()


def tenant_dag_id(tenant_id: str) -> str:
    return f"{DAG_ID_PREFIX}{tenant_id}"


def tenant_timetable(tenant: TenantConfig) -> CronTriggerTimetable:
    """The tier's cron (or the tenant's override) in UTC, starting at the next tick after unpausing.

    With a start date and catchup off, Airflow runs the tick that has just passed the moment a DAG is
    unpaused; a manual first load triggered right after then queues behind it (max_active_runs=1). Like
    enabling a dbt Cloud job's schedule, unpausing here only arms the schedule: no start date, and
    run_immediately=timedelta(0) (False would still run a tick less than 10% of an interval old).
    """
    return CronTriggerTimetable(tenant.effective_schedule, timezone="UTC", run_immediately=timedelta(0))


def build_tenant_dags(folder: Path | None = None, shard: TenantShard = ALL_TENANTS) -> dict[str, DAG]:
    """Every tenant's DAG by dag_id (of the DAG file's shard: dag_file_shards.py); a bad file becomes a visible
    error DAG instead of removing any DAG.

    Never raises: an exception here would be an import error of the one DAG file, dropping every tenant.
    DAGs are built with auto_register=False, so a tenant whose build fails half-way leaves nothing
    behind; the DAG file exposes the returned DAGs as module globals, which is how Airflow finds them.

    While a task runs, Airflow re-parses this file for one dag_id only: then every file is still read and
    checked (the folder-wide rules decide which tenants are valid), but only that DAG is built.
    """
    folder = folder or settings.TENANT_CONFIGS_DIR
    started = time.monotonic()
    report = load_tenant_configs(folder)
    tenant_ids = {tenant_dag_id(tenant.tenant_id): tenant for tenant in report.tenants}
    error_ids = _config_error_dag_ids(report.errors, set(tenant_ids))
    wanted = _parsing_dag_id()
    only = wanted if wanted in tenant_ids or wanted in error_ids.values() else None
    dags: dict[str, DAG] = {}
    for dag_id, tenant in tenant_ids.items():
        if only in (None, dag_id) and shard.holds(dag_id):
            dags[dag_id] = _tenant_dag_or_error_dag(tenant, folder)
    for config_error in report.errors:
        dag_id = error_ids[id(config_error)]
        if only in (None, dag_id) and shard.holds(dag_id):
            log.error("%s", config_error)
            _add_config_error_dag(dags, config_error, dag_id)
    if only is None:
        warn_when_near_parse_timeout(time.monotonic() - started, shard)
    return dags


def _parsing_dag_id() -> str | None:
    try:
        return get_parsing_context().dag_id
    except Exception:  # the context is an optimisation; without it every DAG is built
        log.exception("could not read Airflow's parsing context")
        return None


def _tenant_dag_or_error_dag(tenant: TenantConfig, folder: Path) -> DAG:
    path = folder / f"{tenant.tenant_id}.yaml"
    try:
        return build_tenant_dag(tenant, path)
    except Exception as error:  # one tenant's broken build must not drop the others' DAGs
        problem = f"the DAG could not be built ({type(error).__name__}): {error}"
        config_error = TenantConfigError(path, [problem])  # redacted: the exception may quote a connection
        log.error("%s", config_error)
        log.debug("traceback of the failed build of tenant %s", tenant.tenant_id, exc_info=True)
        return build_config_error_dag(config_error, tenant_dag_id(tenant.tenant_id))


def _add_config_error_dag(dags: dict[str, DAG], config_error: TenantConfigError, dag_id: str) -> None:
    try:
        dags[dag_id] = build_config_error_dag(config_error, dag_id)
    except Exception:  # cannot happen with the bounded ids and tags; if it does, the log still names the file
        log.exception("could not build the error DAG %s for %s", dag_id, config_error.path)


def _config_error_dag_ids(errors: tuple[TenantConfigError, ...], taken: set[str]) -> dict[int, str]:
    """A distinct, deterministic, Airflow-valid dag_id per invalid file (keyed by id() of its error).

    `flexlake__<stem>` when the stem is a valid tenant id no valid tenant uses, so the fixed file keeps its DAG
    and history. Otherwise (`Bluebird-Books.yaml`, a duplicate `acme.yml`, a 200-character name)
    `flexlake__invalid.<sanitized stem>.<hash of the file name>`: a dot never appears in a tenant id, so it
    cannot replace a real tenant's DAG, and the hash keeps two such files apart.
    """
    ids: dict[int, str] = {}
    used = set(taken)
    for error in errors:
        stem = error.path.stem
        dag_id = tenant_dag_id(stem)
        if not re.fullmatch(IDENTIFIER_PATTERN, stem) or dag_id in used:
            name = error.path.name.encode("utf-8", "surrogateescape")
            dag_id = f"{DAG_ID_PREFIX}invalid.{_sanitized(stem)}.{hashlib.sha256(name).hexdigest()[:8]}"
        used.add(dag_id)
        ids[id(error)] = dag_id
    return ids


def _sanitized(text: str) -> str:
    """Lower-case letters, digits and underscores, at most 60 characters (fits dag ids and tags)."""
    return re.sub(r"[^a-z0-9_]+", "_", text.lower())[:60].strip("_") or "file"


def build_tenant_dag(tenant: TenantConfig, source_file: Path) -> DAG:
    with DAG(
        dag_id=tenant_dag_id(tenant.tenant_id),
        dag_display_name=tenant.display_name,
        description=tenant_description(tenant),
        schedule=tenant_schedule(tenant, tenant_timetable(tenant)),
        catchup=False,
        max_active_runs=1,
        max_active_tasks=MAX_ACTIVE_TASKS,
        tags=[
            "flexlake",
            f"tenant:{tenant.tenant_id}",
            f"tier:{tenant.tier}",
            f"warehouse:{tenant.warehouse.type}",
            f"schedule:{tenant.effective_schedule}"[:TAG_MAX_LEN],
        ],
        doc_md=tenant_doc_md(tenant, source_file.name),
        default_args={"owner": tenant.owner, "retries": settings.TASK_RETRIES, "retry_delay": timedelta(minutes=2)},
        # No access_control: `flexlake access sync` grants tenant_<id> this DAG. A role missing at parse time would
        # mark every DAG of the factory file stale (flexlake/access/roles.py says why).
        auto_register=False,
        **alert_callbacks(tenant),  # one email / Slack message per failed run (flexlake/alerts)
    ) as dag:
        provision = build_provision_task(tenant)
        ingestion = build_ingestion_tasks(tenant)
        build, transform = build_dbt_tasks(tenant)
        publish = build_publish_catalog_task(tenant)
        provision >> ingestion
        # The first model tasks start with the build and report it as dbt finishes their nodes, so their chain
        # overlaps the build (dbt_reports.py; one shared watch of its progress per run: build_watch.py).
        ingestion >> build
        ingestion >> transform
        [build, transform] >> publish
    # Given after the tasks, so they stay the DAG's alone (run_params.py, give_run_params_to says why).
    give_run_params_to(dag, run_params(tenant))
    return dag


def build_config_error_dag(error: TenantConfigError, dag_id: str | None = None) -> DAG:
    """A DAG standing in for a tenant whose file is invalid: unscheduled, its page shows the problems.

    In the DAG list its display name and description start with INVALID and the description carries the problems;
    its one task fails on its first try with the full error, so a trigger says why nothing can run. Its id and tags
    are bounded and sanitized whatever the file is called (Airflow caps tags at 100 characters).
    """
    stem = _sanitized(error.path.stem)
    message = str(error)
    with DAG(
        dag_id=dag_id or tenant_dag_id(stem),
        dag_display_name=config_error_display_name(error),
        description=config_error_description(error),
        schedule=None,
        start_date=START_DATE,
        catchup=False,
        tags=["flexlake", CONFIG_ERROR_TAG, f"tenant:{stem}"],
        doc_md=config_error_doc_md(error),
        default_args={"owner": "flexlake", "retries": 0},
        auto_register=False,
    ) as dag:

        @task(task_id="config_error")
        def config_error() -> None:
            """Fails with the validation problems, so a manual trigger says why nothing can run."""
            raise AirflowFailException(message)

        config_error()
    return dag
