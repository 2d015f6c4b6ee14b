"""Per-node dbt tasks skip dbt's manifest writes and keep their run results; the catalog's docs task does not."""

from pathlib import Path

from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.dbt_results_only import NO_WRITE_JSON_FLAG, RESULTS_ONLY_OPERATORS


def test_run_test_and_seed_tasks_pass_no_write_json_and_the_docs_task_does_not(tenant_folder: Path) -> None:
    """Every model, test and seed task runs `--no-write-json` with an operator that writes run_results itself;
    publish_catalog's `dbt docs generate` writes its artifacts as dbt does."""
    dag = build_tenant_dags(tenant_folder)["flexlake__acme_outdoor"]
    context = {"params": {"full_refresh": False}}
    for task_id in ("dbt_transform.fct_orders.run", "dbt_transform.currencies.seed"):
        operator = dag.get_task(task_id).cosmos_operator_for_run(context)
        assert NO_WRITE_JSON_FLAG in operator.dbt_cmd_flags, f"{task_id}: {operator.dbt_cmd_flags}"
        assert type(operator) in RESULTS_ONLY_OPERATORS.values(), f"{task_id}: {type(operator).__name__}"
    docs = dag.get_task("publish_catalog").cosmos_operator_for_run(context)
    assert NO_WRITE_JSON_FLAG not in docs.dbt_cmd_flags, docs.dbt_cmd_flags
