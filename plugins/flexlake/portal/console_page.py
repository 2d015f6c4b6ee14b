"""The SQL console's HTML and CSV: a plain form (no script), the result as a table, or the result as a download.

The form posts to itself; the page is served with the portal's policy (`form-action 'self'`), and the POST is
accepted only from the same origin (flexlake.portal.app). Every value shown goes through html.escape; in the CSV a
text cell that a spreadsheet would read as a formula (=, +, -, @, tab, CR first) is prefixed with a quote.
"""

import csv
import io
from html import escape
from typing import Any

from flexlake.portal.console import ConsoleLimits, QueryResult
from flexlake.portal.pages import page

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_EXAMPLE = "select table_name from information_schema.tables"


def console_page(
    tenant_id: str,
    limits: ConsoleLimits,
    statement: str = "",
    result: QueryResult | None = None,
    error: str | None = None,
) -> str:
    """The statement form, then the result table or the warehouse's error."""
    form = (
        f'<p class="muted">Read-only, as {escape(tenant_id)}\'s reader: at most {limits.max_rows:,} rows, '
        f"{limits.timeout_seconds:g} s per statement. Every statement is logged with your user name "
        '(<a href="console/audit">audit log</a>).</p>'
        '<form method="post"><textarea name="statement" rows="8" cols="100" '
        f'placeholder="{escape(_EXAMPLE)}" required>{escape(statement)}</textarea><br>'
        '<button type="submit" name="format" value="html">Run</button> '
        '<button type="submit" name="format" value="csv">Download CSV</button></form>'
    )
    body = form + (f'<p class="bad">{escape(error)}</p>' if error else "") + (_result(result, limits) if result else "")
    return page(f"SQL console of {tenant_id}", body)


def refusal_page(tenant_id: str, reason: str) -> str:
    return page(f"SQL console of {tenant_id}", f'<p class="bad">{escape(reason)}</p>')


def result_csv(result: QueryResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_csv_cell(value) for value in row] for row in result.rows)
    return buffer.getvalue()


def _result(result: QueryResult, limits: ConsoleLimits) -> str:
    if not result.columns:
        return f'<p class="muted">The statement returned no rows ({result.seconds:.2f} s).</p>'
    shown = f"{len(result.rows):,} rows"
    note = f"first {limits.max_rows:,} rows (the limit; there are more)" if result.truncated else shown
    head = "".join(f"<th>{escape(column)}</th>" for column in result.columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>" for row in result.rows)
    return (
        f'<p class="muted">{note}, {result.seconds:.2f} s</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _cell(value: Any) -> str:
    return '<span class="muted">null</span>' if value is None else escape(str(value))


def _csv_cell(value: Any) -> str:
    """Text that a spreadsheet would evaluate gets a leading quote; numbers (negative ones too) stay numbers."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_STARTS) else text
