"""The portal's HTML: plain server-rendered pages, an inline SVG chart, no JavaScript and nothing from a CDN.

The API server often has no internet access, and a page without scripts has nothing to inject into: every value
shown goes through html.escape, and a tenant's dbt docs (which do run scripts) are only ever served sandboxed
(flexlake.portal.app.DOCS_POLICY).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote

from flexlake.portal.reads import RunRow

CHART_WIDTH = 640
CHART_HEIGHT = 160
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1rem; color: #1a202c; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.bad { color: #c53030; font-weight: 600; }
.muted { color: #718096; }
iframe { width: 100%; height: 80vh; border: 1px solid #e2e8f0; }
"""


@dataclass(frozen=True)
class TenantRow:
    """One tenant on the Tenants page: its file's settings, its DAG's last run and its data's freshness."""

    tenant_id: str
    display_name: str
    tier: str
    warehouse: str
    schedule: str
    last_run_state: str | None
    last_run_time: datetime | None
    freshness: datetime | None


@dataclass(frozen=True)
class InvalidTenantFile:
    file_name: str
    problems: tuple[str, ...]


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def runs_page(tenant_id: str, rows: Sequence[RunRow], has_console: bool = False) -> str:
    """The tenant's published runs: a chart over time, then one table row per run, newest first; for an enterprise
    tenant, a link to its SQL console (the plugin registers no tab for it)."""
    link = '<p><a href="console">SQL console</a> (read-only, on the marts)</p>' if has_console else ""
    if not rows:
        return page(
            f"Runs of {tenant_id}", link + "<p>No published run yet: a run publishes its summary at its end.</p>"
        )
    body = runs_chart(rows) + _table(
        (
            "Published (UTC)",
            "Run",
            "Rows synced per stream",
            "Models built",
            "Tests passed / warned / failed",
            "Sync s",
            "dbt s",
            "Data freshness (UTC)",
            "Catalog location",
        ),
        (_run_cells(row) for row in reversed(rows)),
    )
    return page(f"Runs of {tenant_id}", link + body)


def _run_cells(row: RunRow) -> list[str]:
    streams = "<br>".join(escape(f"{s.source}.{s.stream}: {s.records:,}") for s in row.streams) or "none synced"
    failed = row.tests_with("fail", "error")
    tests = f"{row.tests_with('pass')} / {row.tests_with('warn')} / {failed}"
    return [
        escape(_time(row.published)),
        escape(row.run_id),
        streams,
        f'<span class="n">{row.models.get("success", 0)}</span>' + _other_statuses(row.models),
        f'<span class="bad">{tests}</span>' if failed else tests,
        f"{row.sync_seconds:.1f}",
        f"{row.dbt_seconds:.1f}",
        escape(_time(row.freshness)) if row.freshness else '<span class="muted">not recorded</span>',
        escape(row.location),
    ]


def _other_statuses(counts: dict[str, int]) -> str:
    others = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()) if status != "success")
    return f' <span class="bad">({escape(others)})</span>' if others else ""


def runs_chart(rows: Sequence[RunRow]) -> str:
    """Rows synced per run as bars (red when a test failed), oldest on the left; each bar's title gives figures."""
    most = max((row.rows_synced for row in rows), default=0) or 1
    width = CHART_WIDTH / len(rows)
    bars = []
    for index, row in enumerate(rows):
        height = max(1.0, (CHART_HEIGHT - 20) * row.rows_synced / most)
        colour = "#c53030" if row.tests_with("fail", "error") else "#3182ce"
        label = f"{_time(row.published)}: {row.rows_synced:,} rows, {row.sync_seconds + row.dbt_seconds:.1f} s"
        bars.append(
            f'<rect x="{index * width + 1:.1f}" y="{CHART_HEIGHT - height:.1f}" width="{max(width - 2, 1):.1f}" '
            f'height="{height:.1f}" fill="{colour}"><title>{escape(label)}</title></rect>'
        )
    return (
        f'<figure><svg role="img" aria-label="Rows synced per run" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>'
        f"<figcaption>Rows synced per run, {escape(_time(rows[0].published))} to "
        f"{escape(_time(rows[-1].published))} (max {most:,}); red: a test failed</figcaption></figure>"
    )


def catalog_page(tenant: str, versions: Sequence[str], selected: str | None, has_docs: bool) -> str:
    """A version picker (a plain GET form) above the selected version's dbt docs in a sandboxed frame."""
    if selected is None:
        return page(f"Catalog of {tenant}", "<p>No catalog published yet: the first run publishes it.</p>")
    options = "".join(
        f'<option value="{escape(v)}"{" selected" if v == selected else ""}>{escape(v)}'
        f"{' (latest)' if i == 0 else ''}</option>"
        for i, v in enumerate(versions)
    )
    picker = (
        f'<form method="get"><label>Version <select name="version">{options}</select></label> '
        '<button type="submit">Show</button></form>'
    )
    if not has_docs:
        return page(f"Catalog of {tenant}", picker + "<p>This version has no dbt docs (the tier publishes none).</p>")
    source = f"catalog/{quote(selected)}/docs"  # relative to .../dags/<dag_id>/catalog
    frame = f'<iframe title="dbt docs {escape(selected)}" src="{escape(source)}" sandbox="allow-scripts"></iframe>'
    return page(f"Catalog of {tenant}", picker + frame)


def tenants_page(rows: Sequence[TenantRow], invalid: Sequence[InvalidTenantFile]) -> str:
    """The tenants the user may see, then the tenant files (of those tenants) that fail validation."""
    table = _table(
        ("Tenant", "Tier", "Warehouse", "Schedule", "Last run", "Last run at (UTC)", "Data freshness (UTC)"),
        (
            [
                f'<a href="dags/flexlake__{escape(r.tenant_id)}/runs">{escape(r.tenant_id)}</a>'
                f'<br><span class="muted">{escape(r.display_name)}</span>',
                escape(r.tier),
                escape(r.warehouse),
                escape(r.schedule),
                escape(r.last_run_state or "never run"),
                escape(_time(r.last_run_time)),
                escape(_time(r.freshness)) if r.freshness else '<span class="muted">not recorded</span>',
            ]
            for r in rows
        ),
    )
    body = table if rows else "<p>No tenant you may see.</p>"
    if invalid:
        body += "<h2>Tenant files that fail validation</h2>" + "".join(
            f'<h3 class="bad">{escape(item.file_name)}</h3><ul>'
            + "".join(f"<li>{escape(problem)}</li>" for problem in item.problems)
            + "</ul>"
            for item in invalid
        )
    return page("flexlake tenants", body)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Cells are HTML already (escaped by the caller); header names are escaped here."""
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""
