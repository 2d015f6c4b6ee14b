"""A light task for one dbt command; the Cosmos operator that runs it is built only when the task runs.

Constructing Cosmos's local operators is most of a tenant DAG's parse cost (signature inspection per
operator, ~1 ms each, thousands per parse with many tenants). At parse time a task needs only its id,
its place in the graph and what it will run; the work is still done by Cosmos's operator (in-process
dbt runner, profile from the tenant's warehouse, run_results staged by the callback), built in execute().
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import Context
from airflow.sdk.bases.operator import BaseOperator
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSkipException,
)
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtDocsLocalOperator

from flexlake import settings
from flexlake.catalog import catalog_root, run_key, stage_run_results
from flexlake.dag_factory.build_watch import BUILD_ENDED_STATES, BUILD_TASK_ID, POLL_SECONDS
from flexlake.dag_factory.dbt_build import DbtTenantBuildOperator
from flexlake.dag_factory.dbt_project import OVERLAY_PRODUCT_PATH, tenant_dbt_project_dir
from flexlake.dag_factory.dbt_reports import (
    FAILED_STATUSES,
    NOTHING_NEW_XCOM_KEY,
    REPORT_START_TRIGGER_ARGS,
    SUCCESS_STATUSES,
    all_succeeded,
    build_state,
    is_current,
    is_rerun,
    none_selected,
    report_key,
    report_lines,
)
from flexlake.dag_factory.dbt_results_only import NO_WRITE_JSON_FLAG, NODE_BUILD_COMMAND, RESULTS_ONLY_OPERATORS
from flexlake.dag_factory.run_params import FULL_REFRESH_PARAM, SELECT_PARAM, VARS_PARAM, requested, run_dbt_vars
from flexlake.dag_factory.writer_lock import single_writer_lock
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse

# Per-node commands and the build write only their run results (dbt_results_only: half a dbt invocation); docs
# writes the catalog.
_COSMOS_OPERATORS: dict[str, type[BaseOperator]] = {
    **RESULTS_ONLY_OPERATORS,
    "build": DbtTenantBuildOperator,
    "docs": DbtDocsLocalOperator,
}
_RESULTS_ONLY_COMMANDS = frozenset({*RESULTS_ONLY_OPERATORS, "build"})
_UI_COLORS = {
    "build": "#5A3FA0",
    NODE_BUILD_COMMAND: "#7352BA",
    "run": "#7352BA",
    "test": "#8194E0",
    "seed": "#F58D7E",
    "snapshot": "#964B00",
    "docs": "#8194E0",
}
# Task logs are read in a browser: dbt's own switch keeps its ANSI colour codes out of every command it runs.
NO_COLORS_FLAG = "--no-use-colors"
RunCallback = Callable[..., Any]
# The commands the `full_refresh` run parameter (run_params.py) applies to: those that build models and seeds
# (`build`, and `run`/`seed` when a model task runs dbt itself); tests and docs read what is there.
_FULL_REFRESH_COMMANDS = frozenset({"run", "seed", "build", NODE_BUILD_COMMAND})
# Which tests a command runs besides its selection: a test task its own tests (cautious); a model task that runs
# dbt itself the tests its task reports, those over the model and its ancestors (buildable: dbt_graph's
# `_owning_parent`); the run's build exactly the tests it names (dbt_task_group.build_selection).
_INDIRECT_SELECTION = {"test": "cautious", NODE_BUILD_COMMAND: "buildable", "build": "empty"}


class DbtNodeOperator(BaseOperator):
    """`dbt <command> [--select <node>]` for one tenant, run by Cosmos's local operator.

    Build it with `dbt_node_task()`. The class has no `__init__` of its own on purpose: Airflow's operator
    metaclass wraps every `__init__` in the class chain with `apply_defaults` (signature binding), so an own
    `__init__` doubles the construction cost of the most numerous task there is.
    After dbt, `callback(project_dir, **callback_args, context=...)` runs (Cosmos's callback contract); by
    default it stages the task's run_results for the catalog.
    """

    template_fields = ()
    tenant: TenantConfig
    command: str
    select: str | None = None
    exclude: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    callback: RunCallback
    callback_args: dict[str, Any]
    cosmos_extra: dict[str, Any]

    def cosmos_kwargs(self) -> dict[str, Any]:
        """What the Cosmos operator is built with; tests run cautiously (only tests of selected nodes)."""
        kwargs: dict[str, Any] = {
            "task_id": self.task_id,
            "project_dir": str(tenant_dbt_project_dir(self.tenant)),
            "profile_config": get_warehouse(self.tenant.warehouse.type).profile_config(self.tenant),
            "vars": dbt_vars(self.tenant),
            "select": [self.select] if self.select else [],
            "exclude": list(self.exclude),
            "dbt_cmd_flags": [
                NO_COLORS_FLAG,
                *self.flags,
                *([NO_WRITE_JSON_FLAG] if self.command in _RESULTS_ONLY_COMMANDS and not _lineage_enabled() else []),
            ],
            "invocation_mode": InvocationMode.DBT_RUNNER,
            "install_deps": _needs_deps(self.tenant),
            # Cosmos copies the newest partial_parse.msgpack in before dbt runs and back after: one full
            # parse per tenant instead of one per task (see settings.DBT_PARSE_CACHE_DIR).
            "cache_dir": settings.DBT_PARSE_CACHE_DIR / self.tenant.tenant_id,
            "emit_datasets": False,
            "callback": self.callback,
            "callback_args": dict(self.callback_args),
            **self.cosmos_extra,
        }
        if indirect_selection := _INDIRECT_SELECTION.get(self.command):
            kwargs["indirect_selection"] = indirect_selection
        return kwargs

    @staticmethod
    def cosmos_operator(command: str) -> type[BaseOperator]:
        """The Cosmos local operator class that runs `dbt <command>`."""
        return _COSMOS_OPERATORS[command]

    def cosmos_operator_for_run(self, context: Context) -> BaseOperator:
        """The Cosmos operator for this run's parameters (run_params.py): `--full-refresh` when asked for, the
        run's vars over the tenant's, and the build narrowed to the run's dbt selection."""
        kwargs = self.cosmos_kwargs()
        if self.command in _FULL_REFRESH_COMMANDS and full_refresh_requested(context):
            kwargs["full_refresh"] = True
        if requested(context, VARS_PARAM):
            kwargs["vars"] = dbt_vars(self.tenant, run_dbt_vars(context, self.tenant))
        if self.command == "build" and (select := requested(context, SELECT_PARAM)):
            kwargs["run_select"] = select
        operator = self.cosmos_operator(self.command)(**kwargs)
        # What get_openlineage_facets_on_complete reads; not templated: no BaseOperator bookkeeping.
        object.__setattr__(self, "_cosmos_run", operator)
        return operator

    def execute(self, context: Context) -> Any:
        return self.cosmos_operator_for_run(context).execute(context)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The dbt datasets of what this task ran (Cosmos's OpenLineage facets, from dbt's artifacts), for the
        openlineage provider's listener (flexlake/lineage.py); None when it ran no dbt (a report task)."""
        operator = getattr(self, "_cosmos_run", None)
        return operator.get_openlineage_facets_on_complete(task_instance) if operator is not None else None


class DbtNodeReportOperator(DbtNodeOperator):
    """A model's (or its tests') task when the run builds with one `dbt build` (dag_factory/dbt_build.py).

    It shows what the build did with its nodes: dbt's log lines for them, then success, or failure with dbt's
    message. It starts in the triggerer (dbt_reports.BuildReportTrigger), which ends it there when the build
    succeeded with its nodes; otherwise it resumes on a worker here. It runs dbt itself only for what the build
    left undone: a node dbt skipped or never reached, and a rerun (an automatic retry of a failed node, or a user
    clearing the task) — so clearing a model re-runs that model (and, cleared with its downstream, what depends
    on it), not the whole project. Build it with `dbt_node_task(..., operator_class=DbtNodeReportOperator)`.
    """

    start_from_trigger = True
    start_trigger_args = REPORT_START_TRIGGER_ARGS

    def resume_on_worker(self, context: Context, event: Any = None) -> Any:
        """Where the trigger hands over (REPORT_START_TRIGGER_ARGS): the full report on a worker."""
        self.log.info("reporting on a worker: %s", (event or {}).get("reason", "resumed from the triggerer"))
        return self.execute(context)

    def execute(self, context: Context) -> Any:
        task_instance = context["ti"]
        reports = task_instance.xcom_pull(task_ids=BUILD_TASK_ID, key=report_key(self.task_id))
        if not is_current(reports, task_instance.try_number):
            self._check_build_ended(task_instance, has_reports=bool(reports))
        if not reports:
            if reason := task_instance.xcom_pull(task_ids=BUILD_TASK_ID, key=NOTHING_NEW_XCOM_KEY):
                raise AirflowSkipException(f"dbt build not needed: {reason}")  # the build skips it, unless it ran first
            return self._build_it_now(context, "the run's dbt build left no result for it")
        for report in reports:
            for line in report_lines(report):
                self.log.info("%s", line)
        if is_rerun(reports, task_instance.try_number):
            return self._build_it_now(context, "a rerun of this task (a retry, or the task cleared)")
        if none_selected(reports):
            raise AirflowSkipException("not in this run's dbt selection (its `select` run parameter)")
        if all_succeeded(reports):
            return None
        if failed := [r for r in reports if r["status"] in FAILED_STATUSES]:
            raise AirflowException("dbt: " + "; ".join(f"{r['name']} {r['status']}: {r['message']}" for r in failed))
        undone = [r for r in reports if r["status"] not in SUCCESS_STATUSES]
        return self._build_it_now(context, ", ".join(sorted({r["status"] for r in undone})) + " in the run's dbt build")

    def _check_build_ended(self, task_instance: Any, *, has_reports: bool) -> None:
        """Reschedules this task while the build has not run (`airflow dags test` runs a first model task beside the
        build, not after it), and fails it when the build ended without reaching it."""
        state = build_state(task_instance.dag_id, task_instance.run_id)
        if state not in BUILD_ENDED_STATES:
            self.log.info("%s has not run yet (%s): looking again in %s s", BUILD_TASK_ID, state, POLL_SECONDS)
            raise AirflowRescheduleException(datetime.now(UTC) + timedelta(seconds=POLL_SECONDS))  # type: ignore[no-untyped-call]
        if not has_reports and state != "success":
            raise AirflowFailException(
                f"not built: {BUILD_TASK_ID} ended {state} before dbt reached this model (its log says why); "
                "clear the run once the cause is fixed"
            )

    def _build_it_now(self, context: Context, reason: str) -> Any:
        self.log.info("running dbt %s for %s itself: %s", self.command, self.select, reason)
        with single_writer_lock(self.tenant):
            return super().execute(context)


def full_refresh_requested(context: Context) -> bool:
    """The run's full_refresh parameter (Airflow has validated it as a boolean when the run was created)."""
    return context.get("params", {}).get(FULL_REFRESH_PARAM) is True


def dbt_node_task(
    *,
    task_id: str,
    tenant: TenantConfig,
    command: str,
    select: str | None = None,
    exclude: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
    callback: RunCallback | None = None,
    callback_args: dict[str, Any] | None = None,
    cosmos_extra: dict[str, Any] | None = None,
    operator_class: type[DbtNodeOperator] | None = None,
    **operator_kwargs: Any,
) -> DbtNodeOperator:
    task = (operator_class or DbtNodeOperator)(task_id=task_id, **operator_kwargs)
    attributes = {
        "tenant": tenant,
        "command": command,
        "select": select,
        "exclude": exclude,
        "flags": flags,
        "callback": callback or stage_task_run_results,
        "callback_args": callback_args if callback_args is not None else {"tenant_id": tenant.tenant_id},
        "cosmos_extra": dict(cosmos_extra or {}),
        "ui_color": _UI_COLORS[command],
    }
    for name, value in attributes.items():
        # Plain attributes, none templated: skip BaseOperator.__setattr__'s template bookkeeping.
        object.__setattr__(task, name, value)
    return task


def _lineage_enabled() -> bool:
    """OpenLineage on (flexlake/lineage.py): imported when a task runs, keeping the client out of DAG parsing."""
    from flexlake.lineage import lineage_enabled  # noqa: PLC0415 - the openlineage client only in a task

    return lineage_enabled()


def _needs_deps(tenant: TenantConfig) -> bool:
    """An overlay whose link to the product does not resolve here (built on another machine, then mounted):
    Cosmos runs `dbt deps` (a local package, offline) in the task's copy; FLEXLAKE_DBT_PROJECT_DIR names the
    product. The product itself, and an overlay built where it runs, need nothing."""
    if not tenant.dbt.overlay_project:
        return False
    return not (tenant_dbt_project_dir(tenant) / OVERLAY_PRODUCT_PATH / "dbt_project.yml").is_file()


def dbt_vars(tenant: TenantConfig, definition_vars: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tenant's definition vars (its file's, or a run's merge: run_params.run_dbt_vars), then the product's,
    then warehouse location vars last, so no definition var can move its data elsewhere. The tenant id names the
    tenant in every query's tag (include/dbt/macros/query_tags.sql: cost attribution)."""
    definitions = tenant.dbt.vars.as_dbt_vars() if definition_vars is None else definition_vars
    product = {"flexlake_tenant_id": tenant.tenant_id, "flexlake_pass_through_columns": tenant.dbt.pass_through_var()}
    return {**definitions, **product, **get_warehouse(tenant.warehouse.type).dbt_vars(tenant)}


def stage_task_run_results(project_dir: str, tenant_id: str, context: Context) -> None:
    """Cosmos callback after each dbt task: keep its run_results for the catalog's merged run_results."""
    staging = catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID)
    staging = staging / "runs" / run_key(context["run_id"]) / "run_results"
    stage_run_results(Path(project_dir), staging, context["task_instance"].task_id)
