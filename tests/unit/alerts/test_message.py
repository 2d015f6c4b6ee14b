"""The message of one run: tenant, what failed with dbt's message, a link to the run; bounded; safe as HTML."""

from flexlake.alerts.message import MAX_LISTED, attention_message, failure_message, run_link
from flexlake.alerts.outcome import FailedTask, NodeProblem, RunOutcome
from flexlake.tenant_config import TenantConfig

RUN_ID = "manual__2026-12-06T23:00:00+00:00"
LINK = "https://airflow.acme.example/dags/flexlake__acme/runs/manual__2026-12-06T23%3A00%3A00%2B00%3A00"


def _failed_model(name: str, message: str = "Catalog Error: no table nowhere.fx_rates") -> FailedTask:
    return FailedTask(f"dbt_transform.{name}.run", (NodeProblem(name, "error", message),))


def test_the_run_link_uses_the_api_base_url_and_quotes_the_run_id() -> None:
    """A run id's ':' and '+' are quoted, so the link opens the run's page."""
    assert run_link("https://airflow.acme.example/", "flexlake__acme", RUN_ID) == LINK
    assert run_link(None, "d", "r").startswith("http://localhost:8080/dags/d/runs/r"), run_link(None, "d", "r")


def test_a_failure_names_the_tenant_the_failed_model_dbt_s_message_and_the_run(tenant: TenantConfig) -> None:
    """Subject and body say whose run failed, in which model, why, and where to look."""
    outcome = RunOutcome("flexlake__acme", RUN_ID, (_failed_model("stg_fx_rates"),), upstream_failed=7)
    message = failure_message(tenant, outcome, LINK)
    assert message.subject == "[flexlake] Acme Books (acme): run failed in stg_fx_rates", message.subject
    text = message.text
    for expected in (
        "Tenant: Acme Books (acme)",
        f"Run: {LINK}",
        "- dbt_transform.stg_fx_rates.run",
        "stg_fx_rates (error): Catalog Error: no table nowhere.fx_rates",
        "Not run because of these failures: 7 task(s).",
    ):
        assert expected in text, f"{expected!r} missing from:\n{text}"


def test_a_long_failure_lists_the_first_tasks_and_counts_the_rest(tenant: TenantConfig) -> None:
    """A run with many failures stays readable; dbt messages are cut."""
    failed = tuple(_failed_model(f"model_{index:02d}", "x" * 5000) for index in range(MAX_LISTED + 5))
    text = failure_message(tenant, RunOutcome("flexlake__acme", RUN_ID, failed), LINK).text
    assert "Failed tasks (15):" in text and "... and 5 more (see the run)" in text, text
    assert "model_10" not in text and len(text) < 6000, f"{len(text)} characters"


def test_the_html_body_escapes_dbt_s_message_and_links_the_run(tenant: TenantConfig) -> None:
    """A message quoting SQL or Jinja cannot inject markup; the run link is clickable."""
    outcome = RunOutcome("flexlake__acme", RUN_ID, (_failed_model("m", "<script>x</script> {{ ref('a') }}"),))
    body = failure_message(tenant, outcome, LINK).html
    assert "<script>" not in body and "&lt;script&gt;" in body, body
    assert "{{ ref(&#x27;a&#x27;) }}" in body, body
    assert f'<a href="{LINK}">' in body, body


def test_a_successful_run_with_warnings_says_how_many_and_which(tenant: TenantConfig) -> None:
    """test_warnings: the warned tests with dbt's message, under a 'succeeded' subject."""
    outcome = RunOutcome("flexlake__acme", RUN_ID, warned_tests=(NodeProblem("recent_orders", "warn", "Got 3"),))
    message = attention_message(tenant, outcome, LINK)
    assert message.subject == "[flexlake] Acme Books (acme): run succeeded, 1 test(s) warned", message.subject
    assert "- recent_orders (warn): Got 3" in message.text, message.text


def test_a_failed_run_without_a_failed_task_gives_airflow_s_reason(tenant: TenantConfig) -> None:
    """A run failed by a timeout or a deadlock has no failed task to name: the reason is shown instead."""
    message = failure_message(tenant, RunOutcome("flexlake__acme", RUN_ID), LINK, "all_tasks_deadlocked")
    assert "No task failed; Airflow's reason: all_tasks_deadlocked" in message.text, message.text
    assert message.subject == "[flexlake] Acme Books (acme): run failed", message.subject
