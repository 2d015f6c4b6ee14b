"""The SQL console's audit log as a page: who ran which statement on which tenant, when, with what outcome.

Records come from flexlake.portal.console_audit (newest first, only tenants the user may read: the routes in
flexlake.portal.app decide which). Every value is text a user typed or a warehouse answered, so everything goes
through html.escape; statements are shown in full (the console keeps at most 20,000 characters) in a <pre>.
"""

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from flexlake.portal.pages import page

AUDIT_PAGE_RECORDS = 200
_BAD_OUTCOMES = frozenset({"failed", "timeout", "refused"})


def audit_page(title: str, records: Sequence[Mapping[str, Any]], *, show_tenant: bool) -> str:
    """One table row per record, newest first; the tenant column only when several tenants may be shown."""
    if not records:
        return page(title, "<p>No console statement has been audited yet.</p>")
    header = ["At (UTC)", *(["Tenant"] if show_tenant else []), "User", "Outcome", "Rows", "Seconds", "Statement"]
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join(_row(record, show_tenant) for record in records)
    capped = f" (the page shows at most {AUDIT_PAGE_RECORDS:,})" if len(records) >= AUDIT_PAGE_RECORDS else ""
    note = (
        f'<p class="muted">The newest {len(records):,} statements{capped}; refusals and failures carry the reason '
        "under the statement.</p>"
    )
    return page(title, f"{note}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _row(record: Mapping[str, Any], show_tenant: bool) -> str:
    outcome = str(record.get("outcome", ""))
    detail = str(record.get("detail") or "")
    cells = [
        escape(str(record.get("at", ""))[:19].replace("T", " ")),
        *([escape(str(record.get("tenant_id", "")))] if show_tenant else []),
        escape(str(record.get("user", ""))),
        f'<span class="bad">{escape(outcome)}</span>' if outcome in _BAD_OUTCOMES else escape(outcome),
        f'<span class="n">{int(record.get("rows") or 0):,}</span>',
        f"{float(record.get('seconds') or 0):.3f}",
        f"<pre>{escape(str(record.get('statement', '')))}</pre>"
        + (f'<div class="muted">{escape(detail)}</div>' if detail else ""),
    ]
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
