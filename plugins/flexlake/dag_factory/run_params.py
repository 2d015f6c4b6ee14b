"""What a manual run of a tenant DAG may ask for: typed parameters, checked before any work (issue 20).

The trigger form in the UI and `conf` in the REST API's dagRuns POST take the same parameters:
- `full_refresh`: rebuild incremental models from scratch (`dbt build --full-refresh`), as dbt Cloud's "run
  with full refresh" does;
- `skip_sync`: build from the raw data already there (no source is synced);
- `sources`: sync only these of the tenant's sources (the others' tasks are skipped);
- `select`: a dbt selector (`fct_orders+`, `tag:x`, `path:...`) run within the tenant's own model set: the run's
  `dbt build` selects it minus everything the tenant removed, with the tests whose parents are all selected;
- `vars`: the documented tenant vars (tenant_config/dbt_vars.py) for this run only, over the tenant file's.

Airflow validates the types when the run is created (a wrong type is refused with HTTP 400 naming the
parameter). Airflow accepts keys no parameter declares, so the DAG's first task (`provision_warehouse`) refuses
them, and checks the vars with the tenant file's own rules, before anything is synced or built.
"""

import logging
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from airflow.sdk import DAG, Param
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from pydantic import ValidationError

from flexlake.dag_factory.realtime_schedule import sources_named_by_events
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.dbt_vars import DbtVars
from flexlake.tenant_config.errors import describe_validation_error

FULL_REFRESH_PARAM = "full_refresh"
SKIP_SYNC_PARAM = "skip_sync"
SOURCES_PARAM = "sources"
SELECT_PARAM = "select"
VARS_PARAM = "vars"
RUN_PARAM_NAMES = (FULL_REFRESH_PARAM, SKIP_SYNC_PARAM, SOURCES_PARAM, SELECT_PARAM, VARS_PARAM)
# dbt's node selection syntax (names, `+`/`@` graph operators, `tag:`/`path:`/`fqn:` methods, `*` wildcards,
# `,` intersections, spaces for unions); nothing else reaches dbt's command line.
SELECT_PATTERN = r"^[A-Za-z0-9_.:/*+@, -]{1,500}$"

log = logging.getLogger(__name__)


# Airflow validates every param's default when the DAG is built (jsonschema checks the schema itself first, each
# time). Against draft 2020-12's meta-schema (jsonschema's default, all $dynamicRef) that took ~17 ms per tenant
# for the vars schema; against draft-07's, which has every keyword these schemas use, ~4x less.
JSON_SCHEMA_DRAFT: dict[str, Any] = {"$schema": "http://json-schema.org/draft-07/schema#"}


def run_params(tenant: TenantConfig) -> dict[str, Param]:
    """The DAG's params: each optional (Airflow's form marks a field required unless it allows null)."""
    source_names = [source.name for source in tenant.sources]
    return {
        FULL_REFRESH_PARAM: Param(
            False,
            **JSON_SCHEMA_DRAFT,
            type=["boolean", "null"],
            title="Full refresh",
            description="Rebuild incremental models from scratch (dbt --full-refresh). Off: an incremental run.",
        ),
        SKIP_SYNC_PARAM: Param(
            False,
            **JSON_SCHEMA_DRAFT,
            type=["boolean", "null"],
            title="Skip sync",
            description="Build from the raw data already in the warehouse; no source is synced.",
        ),
        SOURCES_PARAM: Param(
            None,
            **JSON_SCHEMA_DRAFT,
            type=["array", "null"],
            items={"type": "string", "enum": source_names},
            uniqueItems=True,
            examples=source_names,
            title="Sources",
            description=f"Sync only these sources (default: all of {', '.join(source_names)}).",
        ),
        SELECT_PARAM: Param(
            None,
            **JSON_SCHEMA_DRAFT,
            type=["string", "null"],
            pattern=SELECT_PATTERN,
            title="dbt selection",
            description="Build only these models (dbt's --select syntax, e.g. fct_orders+), within the tenant's own "
            "models; their tests run with them. Default: everything.",
        ),
        VARS_PARAM: Param(
            None,
            **JSON_SCHEMA_DRAFT,
            type=["object", "null"],
            properties=_tenant_vars_properties(),
            additionalProperties=False,
            title="dbt vars",
            description="The tenant's dbt vars for this run only (include/dbt/README.md, Vars), over its file's.",
        ),
    }


def give_run_params_to(dag: DAG, params: Mapping[str, Param]) -> None:
    """Give a tenant DAG its run parameters once its tasks are built, so that no task carries a copy of them.

    Airflow 3.3.2 deep-copies a DAG's params into every operator built inside it (BaseOperator's
    `_get_parent_defaults`) and serializes each task's copy (`serialize_operator`): for acme_outdoor 86 copies,
    82 % of its 608 KB serialized DAG, which the triggerer deserializes on its event loop for every model task's
    trigger (`create_runtime_ti`), 15 at once when a level of the chain starts. No task needs its copy: a running
    task's `params` are built by `process_params` from the DAG's, then the task's own, then the run's conf, so
    every task still reads the run's values; the trigger form and the REST API read the DAG's. Assigning the
    attribute runs the DAG's own converter and validator (the defaults checked against their schemas).
    """
    dag.params = params  # type: ignore[assignment]  # attrs converts the mapping to a ParamsDict


class SharedSchema(dict[str, Any]):
    """A part of a Param's JSON schema that every copy of the DAG's params shares instead of copying.

    Airflow deep-copies a DAG's params into every operator built inside it (BaseOperator._get_parent_defaults):
    with the vars schema (~3 KB of nested dicts) that was ~1 ms per task, more than half of a tenant DAG's parse
    time, before the params were given after the tasks (give_run_params_to); a copy of the whole DAG (e.g.
    `partial_subset`) still deep-copies them. The schema is never changed after the DAG is built, so its copy is
    itself; it still serializes and validates as the plain dict it is.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> "SharedSchema":
        return self


@cache
def _tenant_vars_properties() -> SharedSchema:
    return SharedSchema(DbtVars.model_json_schema()["properties"])


def run_conf(context: Mapping[str, Any]) -> Mapping[str, Any]:
    """The run's conf as triggered ({} for a scheduled run)."""
    dag_run = context.get("dag_run")
    return getattr(dag_run, "conf", None) or {}


def requested(context: Mapping[str, Any], name: str) -> Any:
    """A run parameter's value for this run: the conf's, else the DAG's default (None when unset)."""
    return context.get("params", {}).get(name)


def check_run_conf(context: Mapping[str, Any]) -> None:
    """The first task's `pre_execute`: unknown keys and invalid vars fail the run before any work, naming the key
    and what is allowed (AirflowFailException: a retry would fail the same way)."""
    if problem := run_conf_problem(run_conf(context)):
        log.error("%s", problem)  # the task log's own line: the REST API's structured log keeps no exception text
        raise AirflowFailException(problem)


def run_conf_problem(conf: Mapping[str, Any]) -> str | None:
    """The first thing wrong with a run's conf, said with the fix; None when it is fine."""
    if unknown := sorted(set(conf) - set(RUN_PARAM_NAMES)):
        return (
            f"run conf: unknown key(s) {', '.join(map(repr, unknown))}; the allowed keys are "
            f"{', '.join(RUN_PARAM_NAMES)}. Trigger again without them."
        )
    if problems := run_vars_problems(conf.get(VARS_PARAM)):  # pairs the Param's schema cannot check (a date range)
        return "run conf: " + "; ".join(problems)
    return None  # types, enums and the select pattern: Airflow's Params refused them when the run was created


def run_vars_problems(run_vars: Any) -> list[str]:
    """What is wrong with a run's `vars`, in the tenant file's words (names the var and its allowed values)."""
    if run_vars is None:
        return []
    if not isinstance(run_vars, Mapping):
        return [f"vars must be an object of dbt vars, got {type(run_vars).__name__}"]
    try:
        DbtVars.model_validate(dict(run_vars))
    except ValidationError as error:
        return [f"vars.{problem}" for problem in describe_validation_error(error, DbtVars)]
    return []


def run_dbt_vars(context: Mapping[str, Any], tenant: TenantConfig) -> dict[str, Any]:
    """The tenant file's vars with the run's over them (validated by check_run_conf; the merge is checked again
    here because a pair can be wrong together, e.g. a calendar range)."""
    run_vars = requested(context, VARS_PARAM) or {}
    merged = {**tenant.dbt.vars.as_dbt_vars(), **run_vars}
    try:
        return DbtVars.model_validate(merged).as_dbt_vars()
    except ValidationError as error:
        problems = describe_validation_error(error, DbtVars)
        raise AirflowFailException("run conf: vars with the tenant file's: " + "; ".join(problems)) from error


def skip_unless_synced(source_names: Sequence[str]) -> Any:
    """A sync task's `pre_execute`: skipped when the run asked for skip_sync, or named sources without these: in its
    conf, or (a realtime tenant's event-driven run) in the messages that started it."""

    def pre_execute(context: Any) -> None:
        if requested(context, SKIP_SYNC_PARAM) is True:
            raise AirflowSkipException("skip_sync: this run builds from the raw data already there")
        wanted = requested(context, SOURCES_PARAM)
        if wanted is None:
            wanted = sources_named_by_events(context)  # None: not started by events, or they asked for all
        if wanted is not None and not set(source_names) & set(wanted):
            raise AirflowSkipException(f"sources: this run syncs only {', '.join(wanted)}")

    return pre_execute
