"""Macro flexlake_string_literal (include/dbt/macros/string_literal.sql): a tenant var pasted into a model stays one
string literal whatever it holds. Pure Jinja, so it is rendered with jinja2 and the SQL run on DuckDB."""

from pathlib import Path

import duckdb
import jinja2
import pytest

MACRO_FILE = Path(__file__).resolve().parents[3] / "include" / "dbt" / "macros" / "string_literal.sql"


def _literal(value: str) -> str:
    template = jinja2.Environment(autoescape=False).from_string(
        MACRO_FILE.read_text() + "{{ flexlake_string_literal(value) }}"
    )
    return template.render(value=value).strip()


@pytest.mark.parametrize(
    "value",
    ["USD", "it's", "USD' as currency_code, (select 1) as injected --", "'; drop table users; --", "''", ""],
)
def test_a_var_rendered_as_a_literal_comes_back_unchanged_and_adds_no_sql(value: str) -> None:
    """Quotes in the value are doubled: the database reads back exactly the value, as one column of one row."""
    rows = duckdb.sql(f"select {_literal(value)} as currency_code").fetchall()
    assert rows == [(value,)], f"{value!r} rendered as {_literal(value)!r} came back as {rows!r}"
