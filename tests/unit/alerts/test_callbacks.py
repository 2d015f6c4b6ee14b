"""Which runs send a message, under the tenant's notify_on, and which DAG callbacks a tenant gets."""

from pathlib import Path

from flexlake.alerts.callbacks import alert_callbacks, choose_message, send
from flexlake.alerts.message import AlertMessage
from flexlake.alerts.outcome import FailedTask, NodeProblem, RunOutcome
from flexlake.tenant_config import TenantConfig, load_tenant_config
from flexlake.tenant_config.alerts_schema import AlertsConfig

from tests.unit.alerts.conftest import write_tenant

FAILED = RunOutcome("flexlake__acme", "r", (FailedTask("shop_sync"),))
WARNED = RunOutcome("flexlake__acme", "r", warned_tests=(NodeProblem("t", "warn", "Got 1"),))
CLEAN = RunOutcome("flexlake__acme", "r")


def _alerts(*events: str) -> AlertsConfig:
    return AlertsConfig.model_validate({"email": ["a@acme.example"], "notify_on": list(events)})


def test_a_tenant_without_alerts_gets_no_callbacks(tmp_path: Path) -> None:
    """No block: the DAG has no run callbacks, so its runs cost the dag-processor nothing."""
    assert alert_callbacks(load_tenant_config(write_tenant(tmp_path, ""))) == {}


def test_callbacks_follow_notify_on(tmp_path: Path, tenant: TenantConfig) -> None:
    """failure -> on_failure_callback; test_warnings or freshness -> on_success_callback."""
    assert set(alert_callbacks(tenant)) == {"on_failure_callback", "on_success_callback"}
    only_failures = load_tenant_config(
        write_tenant(tmp_path, "alerts:\n  email: [a@acme.example]\n  notify_on: [failure]\n")
    )
    assert set(alert_callbacks(only_failures)) == {"on_failure_callback"}


def test_a_failed_run_alerts_only_when_failure_is_wanted(tenant: TenantConfig) -> None:
    """notify_on without failure: a failed run sends nothing."""
    assert choose_message(tenant, _alerts("failure"), FAILED, "L", failed=True) is not None
    assert choose_message(tenant, _alerts("test_warnings"), FAILED, "L", failed=True) is None


def test_a_successful_run_alerts_only_on_wanted_warnings(tenant: TenantConfig) -> None:
    """A clean run never alerts; a run whose tests warned alerts only with test_warnings."""
    assert choose_message(tenant, _alerts("failure", "test_warnings"), CLEAN, "L", failed=False) is None
    assert choose_message(tenant, _alerts("failure", "freshness"), WARNED, "L", failed=False) is None
    message = choose_message(tenant, _alerts("test_warnings"), WARNED, "L", failed=False)
    assert message is not None and "1 test(s) warned" in message.subject, message


def test_a_broken_channel_is_reported_and_the_other_still_tried() -> None:
    """Email through a missing connection fails; Slack is still attempted (and fails too: no connection)."""
    alerts = AlertsConfig.model_validate(
        {"email": ["a@acme.example"], "email_connection_id": "h17d_missing_smtp", "slack_connection_id": "h17d_missing"}
    )
    assert send(AlertMessage("s", ("l",)), alerts) == ["email", "slack"]
