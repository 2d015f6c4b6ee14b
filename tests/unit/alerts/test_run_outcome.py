"""What a run did, from its task states and the build's per-task reports."""

from flexlake.alerts.outcome import FailedTask, NodeProblem
from flexlake.alerts.run_outcome import summarize_run

STATES = {
    "provision_warehouse": "success",
    "dbt_build": "success",
    "dbt_transform.stg_fx_rates.run": "failed",
    "dbt_transform.fct_orders.run": "upstream_failed",
    "dbt_transform.dim_customers.run": "upstream_failed",
    "dbt_transform.dim_customers.test": "success",
    "publish_catalog": "upstream_failed",
}
REPORTS = {
    "dbt_transform.stg_fx_rates.run": [
        {
            "unique_id": "model.flexlake.stg_fx_rates",
            "name": "stg_fx_rates",
            "status": "error",
            "message": "Catalog Error:\n  Table with name fx_rates does not exist!",
        }
    ],
    "dbt_transform.dim_customers.test": [
        {"unique_id": "test.flexlake.unique_x", "name": "unique_x", "status": "pass", "message": ""},
        {"unique_id": "test.flexlake.recent_y", "name": "recent_y", "status": "warn", "message": "Got 3 results"},
    ],
}


def test_a_failed_model_task_carries_dbt_s_message_on_one_line() -> None:
    """The failed task is listed with its node's name, status and dbt's message (whitespace folded)."""
    outcome = summarize_run("flexlake__acme", "manual__1", STATES, REPORTS)
    expected = FailedTask(
        "dbt_transform.stg_fx_rates.run",
        (NodeProblem("stg_fx_rates", "error", "Catalog Error: Table with name fx_rates does not exist!"),),
    )
    assert outcome.failed_tasks == (expected,), outcome.failed_tasks
    assert outcome.upstream_failed == 3, outcome.upstream_failed


def test_warned_tests_are_collected_from_every_report_read() -> None:
    """Only `warn` statuses count as warnings; passing tests are left out."""
    outcome = summarize_run("flexlake__acme", "manual__1", STATES, REPORTS)
    assert outcome.warned_tests == (NodeProblem("recent_y", "warn", "Got 3 results"),), outcome.warned_tests


def test_a_failed_task_without_a_report_is_still_named() -> None:
    """A failed sync or build (no dbt report) is listed by task id alone."""
    outcome = summarize_run("flexlake__acme", "r", {"shop_sync": "failed", "dbt_build": "upstream_failed"}, {})
    assert outcome.failed_tasks == (FailedTask("shop_sync"),), outcome.failed_tasks
    assert outcome.warned_tests == () and outcome.upstream_failed == 1, outcome
