"""The tenant DAG's run-level callbacks: one message per run, to every channel of the tenant's `alerts:` block.

DAG-level callbacks (not task ones) because an operator wants one message per run: a model's failure skips a
dozen downstream tasks, and a message per task would bury the cause. Airflow runs them after the run ends, in the
dag-processor. A callback never raises: a broken channel is logged (naming the connection) and the other channel
is still tried.
"""

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TypedDict

from airflow.sdk import Context

from flexlake.alerts.message import AlertMessage, attention_message, failure_message, run_link
from flexlake.alerts.outcome import RunOutcome
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.alerts_schema import AlertsConfig

log = logging.getLogger(__name__)

RunCallback = Callable[[Context], None]


class RunCallbacks(TypedDict, total=False):
    """The DAG arguments this module sets: `DAG(..., **alert_callbacks(tenant))`."""

    on_failure_callback: RunCallback
    on_success_callback: RunCallback


def alert_callbacks(tenant: TenantConfig) -> RunCallbacks:
    """The DAG's `on_failure_callback` / `on_success_callback` for the tenant's alerts (none without a block).

    A tenant without `alerts:` gets no callbacks, so its finished runs cost the dag-processor nothing.
    """
    alerts = tenant.alerts
    if alerts is None:
        return {}

    def on_run_failed(context: Context) -> None:
        _alert_safely(tenant, alerts, context, failed=True)

    def on_run_succeeded(context: Context) -> None:
        _alert_safely(tenant, alerts, context, failed=False)

    callbacks: RunCallbacks = {}
    if "failure" in alerts.notify_on:
        callbacks["on_failure_callback"] = on_run_failed
    if {"test_warnings", "freshness"} & set(alerts.notify_on):
        callbacks["on_success_callback"] = on_run_succeeded
    return callbacks


def _alert_safely(tenant: TenantConfig, alerts: AlertsConfig, context: Context, *, failed: bool) -> None:
    try:
        _alert(tenant, alerts, context, failed=failed)
    except Exception:  # Airflow would only log it too; say whose alert it was
        log.exception("alerts: could not build the alert of tenant %s", tenant.tenant_id)


def _alert(tenant: TenantConfig, alerts: AlertsConfig, context: Context, *, failed: bool) -> None:
    from flexlake.alerts.run_outcome import read_run_outcome  # noqa: PLC0415 (imports dag_factory, which imports us)

    dag_id, run_id = context["dag"].dag_id, str(context["run_id"])
    with_warnings = "test_warnings" in alerts.notify_on
    freshness_of = tenant.tenant_id if "freshness" in alerts.notify_on and not failed else None
    outcome = read_run_outcome(dag_id, run_id, with_warnings=with_warnings and not failed, freshness_of=freshness_of)
    link = run_link(_base_url(), dag_id, run_id)
    message = choose_message(tenant, alerts, outcome, link, failed=failed, reason=str(context.get("reason") or ""))
    if message is None:
        log.info("alerts: run %s of tenant %s needs no alert", run_id, tenant.tenant_id)
        return
    send(message, alerts)


def choose_message(
    tenant: TenantConfig, alerts: AlertsConfig, outcome: RunOutcome, link: str, *, failed: bool, reason: str = ""
) -> AlertMessage | None:
    """Which message a finished run sends under the tenant's `notify_on`, or None for no message."""
    if failed:
        return failure_message(tenant, outcome, link, reason) if "failure" in alerts.notify_on else None
    warned = outcome.warned_tests if "test_warnings" in alerts.notify_on else ()
    stale = outcome.freshness_breaches if "freshness" in alerts.notify_on else ()
    if not warned and not stale:
        return None
    return attention_message(tenant, replace(outcome, warned_tests=warned, freshness_breaches=stale), link)


def send(message: AlertMessage, alerts: AlertsConfig) -> list[str]:
    """Send to every channel of the block; returns the channels that failed (each logged with its connection)."""
    from flexlake.alerts.channels import post_to_slack, send_email  # noqa: PLC0415 (the SMTP provider, lazily)

    failures: list[str] = []
    if alerts.email:
        try:
            send_email(message, alerts.email, alerts.email_connection_id)
            log.info("alerts: emailed %d recipient(s) through %s", len(alerts.email), alerts.email_connection_id)
        except Exception:
            log.exception("alerts: email through connection %s failed", alerts.email_connection_id)
            failures.append("email")
    if alerts.slack_connection_id:
        try:
            post_to_slack(message, alerts.slack_connection_id)
        except Exception:
            log.exception("alerts: Slack through connection %s failed", alerts.slack_connection_id)
            failures.append("slack")
    return failures


def _base_url() -> str | None:
    from airflow.sdk.configuration import conf  # noqa: PLC0415

    value = conf.get("api", "base_url", fallback=None)
    return str(value) if value else None
