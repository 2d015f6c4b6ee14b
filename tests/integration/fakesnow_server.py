"""Run fakesnow's Snowflake emulator as an HTTP server: `python fakesnow_server.py DB_DIR PORT`.

Runs in the side venv .venvs/fakesnow (fakesnow pins its own duckdb and sqlglot), never in the main venv:
the `fakesnow_server` fixture (tests/integration/conftest.py) starts it as a subprocess. fakesnow's own
`fakesnow -s` keeps every database in memory; this keeps one DuckDB file per Snowflake database in DB_DIR
(fakesnow's `db_path`), and listens on 127.0.0.1:PORT until SIGTERM / SIGINT.

Two fakesnow behaviours that are not Snowflake are changed here (never the product's SQL):
- fakesnow wraps the argument of SUM, AVG and the other numeric aggregates in TRY_CAST(... AS DOUBLE) (so a
  SUM over VARCHAR works, as Snowflake's implicit cast does), which turns every sum of NUMBER(18,2) money
  into a float (1.10 + 2.20 = 3.3000000000000003). Snowflake sums NUMBER(p,s) exactly into NUMBER(38,s); so
  does DuckDB without the cast. The product never sums text, so aggregates keep their argument as it is.
- DuckDB refuses `create temporary table <db>.<schema>.<name>` (its temporary tables live in its own `temp`
  catalog), which every dbt-snowflake incremental run issues: such a table is created as a permanent one.
One Snowflake behaviour fakesnow lacks is added: the session parameter QUERY_TAG (`alter session set/unset
query_tag`, `show parameters like 'query_tag' in session`), which dbt-snowflake sets around every model. As in
Snowflake it only labels queries; the last tag set is what `show parameters` reports (every login shares one
connection here, so one session's worth of state).
"""

import re
import sys
from typing import Any

import fakesnow.server
import fakesnow.transforms
import uvicorn
from fakesnow.instance import FakeSnow
from sqlglot import exp

_inexact_numeric_agg_cast = fakesnow.transforms.numeric_agg_implicit_cast
_create_table_as = fakesnow.transforms.create_table_as
_alter_session = fakesnow.transforms.alter_session
_show_parameters = fakesnow.transforms.show_parameters
_SHOW_QUERY_TAG = re.compile(r"\s*parameters\s+like\s+'query_tag'(\s+(in|for)\s+session)?\s*;?\s*$", re.IGNORECASE)
_session_query_tag = {"value": ""}


def _exact_numeric_aggregates(expression: Any) -> Any:
    """fakesnow's aggregate rewrite (column naming) without its TRY_CAST(... AS DOUBLE) of the argument."""
    argument = expression.args.get("this") if isinstance(expression, exp.AggFunc) else None
    if argument is None or isinstance(argument, exp.Cast | exp.TryCast):
        return _inexact_numeric_agg_cast(expression)
    rewritten = _inexact_numeric_agg_cast(expression)
    # an unaliased aggregate comes back as a copy of itself under an alias
    aggregate = rewritten.this if isinstance(rewritten, exp.Alias) else rewritten
    aggregate.set("this", argument)
    return rewritten


def _qualified_temporary_tables_as_tables(expression: Any, duck_conn: Any) -> Any:
    """`create temporary table <db>.<schema>.<name>` as a permanent table (DuckDB keeps temporary tables in its
    own `temp` catalog and refuses another): dbt-snowflake's incremental runs create one and read it back by
    that qualified name. It outlives the session here; dbt replaces it at the next run."""
    if isinstance(expression, exp.Create) and expression.kind == "TABLE":
        table = expression.find(exp.Table)
        properties = expression.args.get("properties")
        if table is not None and table.catalog and properties is not None:
            for prop in list(properties.expressions):
                if isinstance(prop, exp.TemporaryProperty):
                    prop.pop()
    return _create_table_as(expression, duck_conn)


def _query_tag_parameter(expression: Any) -> Any:
    """`alter session set query_tag = '...'` and `unset query_tag` keep the tag; other ALTER SESSIONs: fakesnow's."""
    alter = expression.find(exp.AlterSession) if isinstance(expression, exp.Alter) else None
    items = (alter.args.get("expressions") or []) if alter is not None else []
    ident = items[0].find(exp.Identifier) if items and isinstance(items[0], exp.SetItem) else None
    if alter is None or ident is None or ident.this.upper() != "QUERY_TAG":
        return _alter_session(expression)
    value = items[0].this.args.get("expression") if isinstance(items[0].this, exp.EQ) else None
    _session_query_tag["value"] = "" if alter.args.get("unset") or value is None else str(value.this)
    return fakesnow.transforms.SUCCESS_NOP


def _show_query_tag(expression: Any) -> Any:
    """`show parameters like 'query_tag' in session`: the tag set last (fakesnow lists no QUERY_TAG parameter)."""
    is_show = isinstance(expression, exp.Command) and str(expression.this).upper() == "SHOW"
    if not is_show or not _SHOW_QUERY_TAG.match(str(expression.expression)):
        return _show_parameters(expression)
    return exp.select(
        exp.Literal.string("QUERY_TAG").as_("key"),
        exp.Literal.string(_session_query_tag["value"]).as_("value"),
        exp.Literal.string("").as_("default"),
        exp.Literal.string("SESSION").as_("level"),
        exp.Literal.string("query tag").as_("description"),
        exp.Literal.string("STRING").as_("type"),
    )


def main(db_dir: str, port: int) -> None:
    fakesnow.transforms.numeric_agg_implicit_cast = _exact_numeric_aggregates
    fakesnow.transforms.create_table_as = _qualified_temporary_tables_as_tables
    fakesnow.transforms.alter_session = _query_tag_parameter
    fakesnow.transforms.show_parameters = _show_query_tag
    # Every login shares this instance (one DuckDB connection), as fakesnow's server does with its in-memory one.
    fakesnow.server.shared_fs = FakeSnow(db_path=db_dir)
    uvicorn.run(fakesnow.server.app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
