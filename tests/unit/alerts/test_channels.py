"""Slack through a webhook connection: the URL from the connection, a real POST, no token in errors."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from airflow.sdk import Connection
from flexlake.alerts.channels import AlertChannelError, post_to_slack, webhook_url
from flexlake.alerts.message import AlertMessage

TOKEN = "T0000/B0000/h17dsecretwebhooktoken"


def _connection(**fields: Any) -> Connection:
    return Connection(conn_id="acme_slack", conn_type="slackwebhook", **fields)


def test_the_webhook_url_is_the_slack_base_plus_the_token_or_the_whole_host() -> None:
    """The Slack provider's shape (host + password token), a whole URL in host, a bare host with a port."""
    slack = _connection(host="https://hooks.slack.com/services", password=TOKEN)
    assert webhook_url(slack, "acme_slack") == f"https://hooks.slack.com/services/{TOKEN}"
    whole = _connection(host=f"https://hooks.slack.com/services/{TOKEN}")
    assert webhook_url(whole, "acme_slack") == f"https://hooks.slack.com/services/{TOKEN}"
    local = _connection(host="http://127.0.0.1", port=8099, password="/hook/")
    assert webhook_url(local, "acme_slack") == "http://127.0.0.1:8099/hook"


def test_a_connection_without_a_host_or_with_another_scheme_is_refused_naming_it() -> None:
    """The error names the connection and what to put in it."""
    with pytest.raises(AlertChannelError, match="connection 'acme_slack' has no host; set it to https://hooks"):
        webhook_url(_connection(), "acme_slack")
    with pytest.raises(AlertChannelError, match="must be an http"):
        webhook_url(_connection(host="ftp://files.acme.example"), "acme_slack")


class _Sink(BaseHTTPRequestHandler):
    posts: list[tuple[str, dict[str, Any]]] = []
    status = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).posts.append((self.path, body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        """Quiet: pytest shows failures, not access logs."""


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Sink]]:
    _Sink.posts, _Sink.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    connection = {"conn_type": "http", "host": "http://127.0.0.1", "port": server.server_port, "password": TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_H17D_UNIT_SLACK", json.dumps(connection))
    yield _Sink
    server.shutdown()
    server.server_close()


def test_a_message_is_posted_as_slack_text_to_the_token_path(sink: type[_Sink]) -> None:
    """One POST with {"text": subject + body} to /<token>."""
    post_to_slack(AlertMessage("[flexlake] Acme: run failed", ("Run: http://x",)), "h17d_unit_slack")
    assert sink.posts == [(f"/{TOKEN}", {"text": "[flexlake] Acme: run failed\n\nRun: http://x"})], sink.posts


def test_a_refused_post_fails_without_quoting_the_token(sink: type[_Sink]) -> None:
    """A 403 from the webhook raises naming the connection and the status, never the URL."""
    sink.status = 403
    with pytest.raises(AlertChannelError) as raised:
        post_to_slack(AlertMessage("s", ()), "h17d_unit_slack")
    assert "h17d_unit_slack" in str(raised.value) and "403" in str(raised.value), raised.value
    assert "secret" not in str(raised.value) and raised.value.__cause__ is None, raised.value
