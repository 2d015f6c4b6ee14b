"""Typed run parameters (dag_factory/run_params.py): refused at trigger time where Airflow's Params can, by the first
task otherwise, and honoured by the tasks they concern. The real API server refusing a wrong type and a run with
skip_sync + select are in tests/integration/test_rest_and_onboarding.py."""

import copy
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk import DAG, TriggerRule
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException, ParamValidationError
from flexlake.dag_factory.run_params import RUN_PARAM_NAMES, check_run_conf, skip_unless_synced

DAG_ID = "flexlake__acme_outdoor"


def _params(product_dags: Mapping[str, DAG]) -> Any:
    return copy.deepcopy(product_dags[DAG_ID].params)


def _context(conf: dict[str, Any]) -> dict[str, Any]:
    return {"dag_run": SimpleNamespace(conf=conf), "params": conf}


def test_every_run_parameter_is_optional_and_a_plain_run_needs_none(product_dags: Mapping[str, DAG]) -> None:
    """The trigger form marks a field required unless its type allows null (issue 20: Full refresh was)."""
    params = _params(product_dags)
    assert set(params) == set(RUN_PARAM_NAMES)
    for name in RUN_PARAM_NAMES:
        assert "null" in params.get_param(name).schema["type"], name
    defaults = {"full_refresh": False, "skip_sync": False, "sources": None, "select": None, "vars": None}
    assert params.validate() == defaults


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("full_refresh", "yes"),
        ("skip_sync", 1),
        ("sources", ["not_a_source_of_acme"]),
        ("sources", "webshop"),
        ("select", "fct_orders; drop table x"),
        ("vars", {"revenue_basis": "weird"}),
        ("vars", {"flexlake_schema_prefix": "elsewhere"}),
        ("vars", {"active_customer_window_days": "30"}),
    ],
)
def test_a_wrong_type_or_value_is_refused_at_trigger_time_naming_the_parameter(
    product_dags: Mapping[str, DAG], name: str, value: Any
) -> None:
    params = _params(product_dags)
    with pytest.raises(ParamValidationError, match=name):
        params[name] = value


def test_valid_values_are_accepted_at_trigger_time(product_dags: Mapping[str, DAG]) -> None:
    params = _params(product_dags)
    source = product_dags[DAG_ID].params.get_param("sources").schema["items"]["enum"][0]
    for name, value in {
        "full_refresh": True,
        "skip_sync": True,
        "sources": [source],
        "select": "fct_orders+ tag:mart:revenue,path:models/marts",
        "vars": {"revenue_basis": "gross", "as_of_date": "2026-01-31"},
    }.items():
        params[name] = value
    assert params.validate()["vars"] == {"revenue_basis": "gross", "as_of_date": "2026-01-31"}


def test_the_first_task_refuses_unknown_keys_naming_them_and_the_allowed_ones() -> None:
    """Airflow stores conf keys no param declares; the run then fails before any work (no retry)."""
    with pytest.raises(AirflowFailException, match=r"'fullrefresh'.*allowed keys are full_refresh, skip_sync"):
        check_run_conf(_context({"fullrefresh": True}))
    with pytest.raises(AirflowFailException, match=r"vars\.calendar_start_date"):
        check_run_conf(_context({"vars": {"calendar_start_date": 20260101}}))
    check_run_conf(_context({"full_refresh": True, "vars": {"revenue_basis": "gross"}}))
    check_run_conf({"dag_run": SimpleNamespace(conf=None), "params": {}})  # a scheduled run


def test_sync_tasks_skip_on_skip_sync_and_for_sources_not_named() -> None:
    hook = skip_unless_synced(["webshop"])
    hook(_context({}))
    hook(_context({"sources": ["webshop", "billing"]}))
    with pytest.raises(AirflowSkipException, match="skip_sync"):
        hook(_context({"skip_sync": True}))
    with pytest.raises(AirflowSkipException, match="billing"):
        hook(_context({"sources": ["billing"]}))


def test_the_dag_checks_conf_first_and_builds_after_skipped_syncs(product_dags: Mapping[str, DAG]) -> None:
    """Skipped syncs and models outside `select` must not skip the build, the report tasks or the catalog; a failure
    still marks what depends on it upstream_failed (none_failed, not all_done)."""
    dag = product_dags[DAG_ID]
    assert dag.get_task("provision_warehouse")._pre_execute_hook is check_run_conf
    syncs = [task for task in dag.tasks if task.task_id.startswith("airbyte_sync__")]
    assert syncs and all(task._pre_execute_hook is not None for task in syncs)
    for task_id in ("dbt_build", "dbt_transform.fct_orders.run", "publish_catalog"):
        assert dag.get_task(task_id).trigger_rule == TriggerRule.NONE_FAILED, task_id


def test_a_runs_vars_go_over_the_tenants_but_never_over_where_its_data_lives(product_dags: Mapping[str, DAG]) -> None:
    dag = product_dags["flexlake__cobalt_cycles"]
    task = dag.get_task("dbt_build")
    tenant_vars = task.cosmos_kwargs()["vars"]
    assert tenant_vars["revenue_basis"] == "gross"
    context: Any = {**_context({"vars": {"revenue_basis": "net", "fiscal_year_start_month": 4}}), "ti": None}
    run_vars = task.cosmos_operator_for_run(context).vars
    assert run_vars["revenue_basis"] == "net" and run_vars["fiscal_year_start_month"] == 4
    location = {key: value for key, value in tenant_vars.items() if key.startswith("flexlake_")}
    assert location and all(run_vars[key] == value for key, value in location.items())


def _serialized(dag: DAG) -> dict[str, Any]:
    from airflow.serialization.serialized_objects import DagSerialization  # noqa: PLC0415

    return DagSerialization.to_dict(dag)


def test_no_task_carries_its_own_copy_of_the_run_params(product_dags: Mapping[str, DAG]) -> None:
    """The serialized DAG the triggerer deserializes for every model task's trigger holds the run parameters once, at
    the DAG (the trigger form's, with their titles and descriptions), not once per task (82 % of acme's 608 KB)."""
    encoded = _serialized(product_dags[DAG_ID])["dag"]
    with_copies = [task["__var"]["task_id"] for task in encoded["tasks"] if task["__var"].get("params")]
    assert not with_copies, f"tasks serialized with their own params: {with_copies[:5]} ..."
    form = {name: param["description"] for name, param in encoded["params"]}
    assert list(form) == list(RUN_PARAM_NAMES), form
    assert all(form.values()), f"a run parameter lost its description in the trigger form: {form}"


@pytest.mark.parametrize("conf", [{}, {"full_refresh": True, "select": "fct_orders+"}])
@pytest.mark.parametrize("where", ["worker", "triggerer"])
def test_every_task_still_reads_the_run_s_params_from_the_dag_s(
    product_dags: Mapping[str, DAG], where: str, conf: dict[str, Any]
) -> None:
    """A running task's params are the DAG's with the run's conf over them (Airflow's process_params), on a worker (the
    parsed DAG) and in the triggerer (the deserialized one): the build, a sync and a model task see the run's values."""
    from airflow.sdk.definitions.param import process_params  # noqa: PLC0415
    from airflow.serialization.serialized_objects import DagSerialization  # noqa: PLC0415

    parsed = product_dags[DAG_ID]
    expected = {**_params(product_dags).validate(), **conf}
    model_task = next(task.task_id for task in parsed.tasks if task.task_id.startswith("dbt_transform."))
    sync_task = next(task.task_id for task in parsed.tasks if task.task_id.startswith("airbyte_sync"))
    for task_id in ("dbt_build", sync_task, model_task):
        # a fresh DAG per call: process_params leaves the conf's values in the DAG's Param objects it merged
        dag = copy.deepcopy(parsed) if where == "worker" else DagSerialization.from_dict(_serialized(parsed))
        params = process_params(dag, dag.get_task(task_id), dict(conf), suppress_exception=False)
        assert params == expected, f"{where}, {task_id}: {params}"
