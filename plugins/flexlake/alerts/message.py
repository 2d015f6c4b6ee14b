"""The one message a run sends: subject and plain lines, rendered as an email (HTML) or a Slack post.

It names the tenant, what failed (a model's task with dbt's own message) and links to the run in Airflow's UI,
so whoever reads it on a phone knows whose pipeline broke and where to look. Messages are bounded: a run with a
hundred failures lists the first few and counts the rest, and dbt messages are cut at MAX_DBT_MESSAGE_CHARS.
"""

import html
from dataclasses import dataclass
from urllib.parse import quote

from flexlake.alerts.outcome import NodeProblem, RunOutcome
from flexlake.tenant_config import TenantConfig

MAX_LISTED = 10
MAX_DBT_MESSAGE_CHARS = 400
DEFAULT_BASE_URL = "http://localhost:8080"


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join((self.subject, "", *self.lines))

    @property
    def html(self) -> str:
        body = "<br>\n".join(_linked(html.escape(line)) for line in self.lines)
        return f"<p><strong>{html.escape(self.subject)}</strong></p>\n<p>{body}</p>\n"


def _linked(escaped_line: str) -> str:
    """The run link clickable in email clients that do not detect URLs in HTML text."""
    prefix = "Run: "
    if escaped_line.startswith(prefix) and "://" in escaped_line:
        url = escaped_line[len(prefix) :]
        return f'{prefix}<a href="{url}">{url}</a>'
    return escaped_line


def run_link(base_url: str | None, dag_id: str, run_id: str) -> str:
    """The run's page in the Airflow UI (`[api] base_url`, as Airflow's own task log links use it)."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def failure_message(tenant: TenantConfig, outcome: RunOutcome, link: str, reason: str = "") -> AlertMessage:
    """A failed run; with no failed task (a run timeout, a deadlock) Airflow's reason stands in for the list."""
    count = len(outcome.failed_tasks)
    lines = _header(tenant, outcome, link)
    lines.append(f"Failed tasks ({count}):" if count else f"No task failed; Airflow's reason: {reason or 'unknown'}")
    for failed in outcome.failed_tasks[:MAX_LISTED]:
        lines.append(f"- {failed.task_id}")
        lines.extend(f"    {_node_line(node)}" for node in failed.nodes)
    lines.extend(_more(count))
    if outcome.upstream_failed:
        lines.append(f"Not run because of these failures: {outcome.upstream_failed} task(s).")
    lines.extend(_warnings_lines(outcome.warned_tests))
    lines.extend(_freshness_lines(outcome.freshness_breaches))
    names = ", ".join(_failed_names(outcome)[:3])
    where = f" in {names}" if names else ""
    return AlertMessage(f"[flexlake] {tenant.display_name} ({tenant.tenant_id}): run failed{where}", tuple(lines))


def attention_message(tenant: TenantConfig, outcome: RunOutcome, link: str) -> AlertMessage:
    """A successful run whose tests warned or whose sources are stale."""
    lines = [*_header(tenant, outcome, link), *_warnings_lines(outcome.warned_tests)]
    lines.extend(_freshness_lines(outcome.freshness_breaches))
    what = []
    if outcome.warned_tests:
        what.append(f"{len(outcome.warned_tests)} test(s) warned")
    if outcome.freshness_breaches:
        what.append(f"{len(outcome.freshness_breaches)} source(s) stale")
    subject = f"[flexlake] {tenant.display_name} ({tenant.tenant_id}): run succeeded, {' and '.join(what)}"
    return AlertMessage(subject, tuple(lines))


def _header(tenant: TenantConfig, outcome: RunOutcome, link: str) -> list[str]:
    return [
        f"Tenant: {tenant.display_name} ({tenant.tenant_id}), tier {tenant.tier}, owner {tenant.owner}",
        f"DAG: {outcome.dag_id}",
        f"Run: {link}",
    ]


def _failed_names(outcome: RunOutcome) -> list[str]:
    """The failed dbt nodes by name (what an analyst knows), else the failed tasks."""
    nodes = [node.name for failed in outcome.failed_tasks for node in failed.nodes]
    return list(dict.fromkeys(nodes)) or [failed.task_id for failed in outcome.failed_tasks]


def _node_line(node: NodeProblem) -> str:
    message = node.message
    if len(message) > MAX_DBT_MESSAGE_CHARS:
        message = message[: MAX_DBT_MESSAGE_CHARS - 3] + "..."
    return f"{node.name} ({node.status}): {message}" if message else f"{node.name} ({node.status})"


def _warnings_lines(warned: tuple[NodeProblem, ...]) -> list[str]:
    if not warned:
        return []
    lines = [f"Tests that warned ({len(warned)}):"]
    lines.extend(f"- {_node_line(node)}" for node in warned[:MAX_LISTED])
    return [*lines, *_more(len(warned))]


def _freshness_lines(breaches: tuple[str, ...]) -> list[str]:
    if not breaches:
        return []
    return [f"Stale sources ({len(breaches)}):", *(f"- {breach}" for breach in breaches[:MAX_LISTED])]


def _more(count: int) -> list[str]:
    return [f"... and {count - MAX_LISTED} more (see the run)"] if count > MAX_LISTED else []
