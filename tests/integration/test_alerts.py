"""A tenant's failed run sends one email and one Slack post, through real connections, naming what failed.

One `airflow dags test` of a tiny starter tenant whose build fails on purpose (its FX rates table does not exist),
in a temp Airflow home. The DAG's run-level failure callback reads the run through the Task SDK and sends through
a local SMTP sink (a tiny socket server: aiosmtpd is not in the lock) and a local HTTP sink standing in for Slack's
webhook, both reached through Airflow connections holding the secrets. Cost: one `db migrate` and one short run.
"""

import base64
import email
import json
import os
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.integration

AIRFLOW = PROJECT_ROOT / ".venv" / "bin" / "airflow"
TENANT_ID = "alert_probe"
SMTP_PASSWORD = "smtp-Pw-h17d-never-print"
SLACK_TOKEN = "T0H17D/B0H17D/slackTokenNeverPrint"
BASE_URL = "https://airflow.alerts.example"
RECIPIENTS = ["data-team@probe.example", "oncall@probe.example"]
FAILING_MODEL = "input__fx_rates"
TENANT_FILE = f"""\
tenant_id: {TENANT_ID}
display_name: Alert Probe
tier: starter
warehouse: {{type: duckdb}}
sources: [{{system: faker, name: shop, engine: dlt, options: {{count: 50, seed: 1}}}}]
dbt:
  vars: {{fx_rates_relation: nowhere.fx_rates}}
alerts:
  email: [{", ".join(RECIPIENTS)}]
  email_connection_id: probe_smtp
  slack_connection_id: probe_slack
  notify_on: [failure, test_warnings]
"""


@dataclass
class SmtpSink:
    """What the SMTP sink received: the AUTH credentials and every message (sender, recipients, raw bytes)."""

    auth: list[str] = field(default_factory=list)
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)


class _SmtpSession(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO with AUTH PLAIN, MAIL, RCPT, DATA, QUIT; records into the server's sink."""

    def handle(self) -> None:
        self.sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        self.sender, self.recipients = "", list[str]()
        self._reply("220 sink ESMTP")
        while raw := self.rfile.readline():
            command = raw.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb == "QUIT":
                self._reply("221 bye")
                return
            handler = getattr(self, f"_smtp_{verb.lower()}", None)
            self._reply(handler(command) if handler else "250 ok")

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def _smtp_ehlo(self, _command: str) -> str:
        self._reply("250-sink")
        return "250 AUTH PLAIN"

    def _smtp_auth(self, command: str) -> str:
        self.sink.auth.append(base64.b64decode(command.rsplit(maxsplit=1)[-1]).decode())
        return "235 ok"

    def _smtp_mail(self, command: str) -> str:
        self.sender, self.recipients = command.split(":", 1)[1].strip(" <>"), []
        return "250 ok"

    def _smtp_rcpt(self, command: str) -> str:
        self.recipients.append(command.split(":", 1)[1].strip(" <>"))
        return "250 ok"

    def _smtp_data(self, _command: str) -> str:
        self._reply("354 end with .")
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line)
        self.sink.messages.append((self.sender, self.recipients, b"".join(lines)))
        return "250 queued"


class _SlackSink(BaseHTTPRequestHandler):
    posts: list[tuple[str, dict[str, Any]]] = []

    def do_POST(self) -> None:
        type(self).posts.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@dataclass(frozen=True)
class Sinks:
    smtp: SmtpSink
    smtp_port: int
    slack_port: int


@pytest.fixture
def sinks() -> Iterator[Sinks]:
    smtp = SmtpSink()
    smtp_server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSession)
    smtp_server.daemon_threads = True
    smtp_server.sink = smtp  # type: ignore[attr-defined]
    _SlackSink.posts = []
    slack_server = HTTPServer(("127.0.0.1", 0), _SlackSink)
    for server in (smtp_server, slack_server):
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    yield Sinks(smtp, smtp_server.server_address[1], slack_server.server_address[1])
    for server in (smtp_server, slack_server):
        server.shutdown()
        server.server_close()


def _environment(root: Path, sinks: Sinks) -> dict[str, str]:
    smtp = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": sinks.smtp_port,
        "login": "alerts",
        "password": SMTP_PASSWORD,
        "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "flexlake@ops.example", "timeout": 10},
    }
    slack = {"conn_type": "http", "host": "http://127.0.0.1", "port": sinks.slack_port, "password": SLACK_TOKEN}
    return {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow_home"),
        "FLEXLAKE_DATA_DIR": str(root / "data"),
        "FLEXLAKE_TENANT_CONFIGS_DIR": str(root / "tenant_configs"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(root / "cosmos_cache"),
        "AIRFLOW__API__BASE_URL": BASE_URL,
        "FLEXLAKE_TASK_RETRIES": "0",
        "AIRFLOW_CONN_PROBE_SMTP": json.dumps(smtp),
        "AIRFLOW_CONN_PROBE_SLACK": json.dumps(slack),
    }


def _html_body(raw: bytes) -> str:
    parts = [part for part in email.message_from_bytes(raw).walk() if part.get_content_type() == "text/html"]
    assert len(parts) == 1, f"expected one HTML part:\n{raw.decode(errors='replace')[:2000]}"
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes), payload
    return payload.decode()


def test_a_failed_run_sends_one_email_and_one_slack_post_naming_the_tenant_model_and_run(
    tmp_path: Path, sinks: Sinks
) -> None:
    """Exactly one message per channel; both name the tenant, the failed model with dbt's error and the run link;
    neither carries the SMTP password or the webhook token, nor does the run's output."""
    (tmp_path / "tenant_configs").mkdir()
    (tmp_path / "tenant_configs" / f"{TENANT_ID}.yaml").write_text(TENANT_FILE)
    environment = _environment(tmp_path, sinks)
    subprocess.run([str(AIRFLOW), "db", "migrate"], env=environment, check=True, capture_output=True)
    result = subprocess.run(
        # The run builds the failing model alone (the `select` run parameter): every other model task is skipped.
        [str(AIRFLOW), "dags", "test", f"flexlake__{TENANT_ID}", "-c", json.dumps({"select": FAILING_MODEL})],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    tail = output[-4000:]

    assert len(sinks.smtp.messages) == 1, f"expected one email, got {len(sinks.smtp.messages)}:\n{tail}"
    sender, recipients, raw = sinks.smtp.messages[0]
    assert sender == "flexlake@ops.example" and sorted(recipients) == sorted(RECIPIENTS), (sender, recipients)
    assert sinks.smtp.auth == [f"\0alerts\0{SMTP_PASSWORD}"], "the SMTP connection's credentials were not used"
    subject = email.message_from_bytes(raw)["Subject"]
    assert subject == f"[flexlake] Alert Probe ({TENANT_ID}): run failed in {FAILING_MODEL}", subject
    body = _html_body(raw)
    run_url = f"{BASE_URL}/dags/flexlake__{TENANT_ID}/runs/manual__"
    for expected in ("Tenant: Alert Probe (alert_probe)", run_url, f"{FAILING_MODEL} (error):", "fx_rates"):
        assert expected in body, f"{expected!r} missing from the email:\n{body}"

    assert len(_SlackSink.posts) == 1, f"expected one Slack post, got {_SlackSink.posts}:\n{tail}"
    path, payload = _SlackSink.posts[0]
    assert path == f"/{SLACK_TOKEN}", path
    text = payload["text"]
    assert text.startswith(subject) and run_url in text and f"{FAILING_MODEL} (error):" in text, text

    for secret in (SMTP_PASSWORD, SLACK_TOKEN):
        assert secret not in raw.decode(errors="replace") and secret not in text, f"{secret} leaked into a message"
        assert secret not in output, f"{secret} leaked into the run's output"
