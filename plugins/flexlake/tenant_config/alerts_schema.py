"""The tenant file's `alerts:` block: who hears about a tenant's runs, through which Airflow connections, on what.

Secrets never live in a tenant file (it is committed and shown in plans): the SMTP server and the Slack webhook are
Airflow connections, and the file names them. The trigger list is `notify_on`, not `on`: YAML 1.1 (PyYAML) reads a
bare `on:` key as the boolean true, which the loader refuses as a key.
"""

from typing import Literal

from pydantic import EmailStr, Field, model_validator

from flexlake.tenant_config.warehouse_schema import CONNECTION_ID_PATTERN, StrictModel

# failure: the run failed (a task, a model, a failing test); test_warnings: the run succeeded but tests warned;
# freshness: a source's raw data is older than its tier allows (checked by issue 17 item 5, not yet built).
AlertEvent = Literal["failure", "test_warnings", "freshness"]
DEFAULT_EVENTS: tuple[AlertEvent, ...] = ("failure", "test_warnings", "freshness")


class AlertsConfig(StrictModel):
    """Where one message per run goes when a run fails or its tests warn."""

    email: tuple[EmailStr, ...] = Field(
        default=(),
        max_length=50,
        description="Addresses that receive the run's alert, e.g. [data-team@acme.com]. Sent through "
        "email_connection_id.",
    )
    email_connection_id: str = Field(
        default="smtp_default",
        pattern=CONNECTION_ID_PATTERN,
        description="Airflow SMTP connection (apache-airflow-providers-smtp): host, port, login, password; the "
        "sender in its extra `from_email`.",
    )
    slack_connection_id: str | None = Field(
        default=None,
        pattern=CONNECTION_ID_PATTERN,
        description="Airflow connection of a Slack incoming webhook (type slackwebhook or http): host = "
        "https://hooks.slack.com/services, password = the webhook token (T.../B.../...), or host = the whole URL.",
    )
    notify_on: tuple[AlertEvent, ...] = Field(
        default=DEFAULT_EVENTS,
        min_length=1,
        description="Which runs send a message: failure (a failed run), test_warnings (a successful run whose "
        "tests warned), freshness (a source older than its tier allows).",
    )

    @model_validator(mode="after")
    def _has_a_channel(self) -> "AlertsConfig":
        if not self.email and self.slack_connection_id is None:
            raise ValueError(
                "no channel to send to; add `email: [address, ...]` and/or `slack_connection_id: "
                "<Airflow connection of a Slack webhook>`, or remove the block"
            )
        return self

    @model_validator(mode="after")
    def _events_are_unique(self) -> "AlertsConfig":
        repeated = sorted({event for event in self.notify_on if self.notify_on.count(event) > 1})
        if repeated:
            raise ValueError(f"alerts.notify_on: each event once, repeated: {', '.join(repeated)}")
        return self
