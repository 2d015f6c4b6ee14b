"""Sending an alert: email through the SMTP provider's hook, Slack through an incoming webhook's connection.

Email uses SmtpHook (apache-airflow-providers-smtp, in the lock) rather than SmtpNotifier: the notifier renders
its subject and body as Jinja templates, and a dbt error message quoting `{{ ref(...) }}` would break or be
rendered. The Slack provider is not in the lock (and adding one means a lock change and an image rebuild for one
POST), so a Slack webhook is posted with the standard library; its connection has the Slack provider's
`slackwebhook` shape (host https://hooks.slack.com/services, password = the webhook token), so moving to
SlackWebhookNotifier later changes no connection. A connection of type `http` works the same way.
"""

import json
import logging
import urllib.request
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flexlake.alerts.message import AlertMessage

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 15
# Slack caps a message's text at 40,000 characters; an alert is far shorter (message.py bounds it).
MAX_SLACK_TEXT = 39_000


class AlertChannelError(Exception):
    """A channel could not be reached or is misconfigured; the message names the connection and the fix."""


def send_email(message: AlertMessage, recipients: Sequence[str], connection_id: str) -> None:
    from airflow.providers.smtp.hooks.smtp import SmtpHook  # noqa: PLC0415 (callback time only)

    with SmtpHook(smtp_conn_id=connection_id) as hook:
        hook.send_email_smtp(to=list(recipients), subject=message.subject, html_content=message.html)


def post_to_slack(message: AlertMessage, connection_id: str) -> None:
    from airflow.sdk import BaseHook  # noqa: PLC0415

    url = webhook_url(BaseHook.get_connection(connection_id), connection_id)
    body = json.dumps({"text": message.text[:MAX_SLACK_TEXT]}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            status = response.status
    except OSError as error:  # URLError and HTTPError are OSErrors; neither may quote the URL (it holds the token)
        reason = getattr(error, "code", None) or type(error).__name__
        raise AlertChannelError(
            f"Slack webhook of connection {connection_id!r} failed ({reason}); check its host and token"
        ) from None
    log.info("Slack webhook of connection %s answered %s", connection_id, status)


def webhook_url(connection: Any, connection_id: str) -> str:
    """host (+ port) + '/' + password: Slack's base URL and webhook token, or a whole URL in host."""
    host = str(connection.host or "").strip()
    if not host:
        raise AlertChannelError(
            f"connection {connection_id!r} has no host; set it to https://hooks.slack.com/services (and the "
            "webhook token as its password) or to the webhook's whole URL"
        )
    parts = urlsplit(host if "://" in host else f"https://{host}")
    if parts.scheme not in ("http", "https"):
        raise AlertChannelError(f"connection {connection_id!r}: the webhook host must be an http(s) URL")
    netloc = parts.netloc
    if connection.port and parts.port is None:
        netloc = f"{netloc}:{connection.port}"
    path = parts.path.rstrip("/")
    token = str(connection.password or "").strip("/")
    if token:
        path = f"{path}/{token}"
    return urlunsplit((parts.scheme, netloc, path or "/", parts.query, ""))
