"""Lint SQL for what SQL Server rejects, because nothing can run SQL Server here.

sqlglot's T-SQL parser accepts much that SQL Server refuses (LIMIT, nested WITH, boolean projections)
and rewrites some of it on the way (`::` into CAST, `||` into `+`, `true` into 1), so "it parses" proves
nothing. Each rule below is explicit: token rules see what the parser normalizes away, AST rules see
structure (where a WITH or an ORDER BY sits, what a projection or a condition is). Compiled models are
linted as view bodies: dbt-sqlserver builds tables through a temporary view too.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import Token, TokenType

# Rule id -> what is wrong and the fix (the house style in include/dbt/README.md says the same).
RULES: dict[str, str] = {
    "parse-error": "sqlglot cannot parse this as T-SQL: fix the syntax",
    "limit": "T-SQL has no LIMIT: use TOP (n) or ORDER BY ... OFFSET ... FETCH",
    "nested-with": "T-SQL allows WITH only at the top of a statement: flatten the CTEs (no ephemeral models)",
    "boolean-projection": "T-SQL cannot select a predicate: use case when <condition> then 1 else 0 end",
    "non-boolean-condition": "T-SQL needs a predicate here, not a value: compare it, e.g. `flag = 1`",
    "double-colon-cast": "T-SQL has no `::` cast: use cast(x as type)",
    "pipe-concat": "T-SQL has no `||`: use flexlake_concat (concat())",
    "order-by-in-view": "T-SQL rejects ORDER BY in a view, subquery or CTE without TOP/OFFSET: drop it",
    "union-distinct": "T-SQL has no UNION DISTINCT: write UNION",
    "set-operation-all": "T-SQL has no INTERSECT ALL / EXCEPT ALL: rewrite without ALL",
    "positional-reference": "GROUP BY / ORDER BY by position: name the expression (T-SQL groups by a constant)",
    "ilike": "T-SQL has no ILIKE: use lower(x) like lower(pattern)",
    "boolean-literal": "T-SQL has no true/false: use 1/0 (flags are 0/1 integers)",
    "interval": "T-SQL has no interval literals: use flexlake_dateadd (dateadd())",
    "rowversion-timestamp": "`timestamp` is rowversion in T-SQL: use dbt.type_timestamp() (datetime2)",
    "boolean-type": "T-SQL has no boolean type: use bit, or a 0/1 integer",
    "string-without-length": "varchar/char without a length is 30 characters in a T-SQL cast (silent "
    "truncation): use flexlake_type_string() or give a length",
    "lateral": "T-SQL has no LATERAL: use cross apply / outer apply",
    "json-operator": "T-SQL has no -> / ->> operators: use flexlake_json_extract_string (json_value())",
    "nulls-ordering": "T-SQL has no NULLS FIRST/LAST: order by a case expression first",
    "typed-literal": "T-SQL has no typed literals (date '...'): use cast('...' as date)",
    "current-date": "T-SQL has no current_date: use cast(getdate() as date)",
    "using-join": "T-SQL has no JOIN ... USING: write ON a.x = b.x",
    "aggregate-filter": "T-SQL has no aggregate FILTER (WHERE ...): use sum(case when ... end)",
    "distinct-on": "T-SQL has no DISTINCT ON: use row_number() over (...) = 1",
    "recursive": "T-SQL writes recursive CTEs without RECURSIVE",
    "unknown-function": "not a T-SQL function: dispatch a sqlserver__ variant in macros/cross_db/",
    "reserved-word": "a T-SQL reserved word as a bare identifier: rename it (or quote it)",
}

# Functions of other warehouses that SQL Server lacks (generate_series, greatest and least arrive only in
# SQL Server 2022; the product targets earlier versions too).
_FOREIGN_FUNCTION_NAMES = """
md5 to_timestamp to_char to_date to_number date_trunc date_part extract date_diff datediff_days
generate_series greatest least json_extract_path_text json_extract_string json_each json_type
json_array_length json_parse jsonb_array_elements jsonb_typeof jsonb_extract_path_text regexp_replace
regexp_matches regexp_like split_part string_to_array array_agg unnest listagg bool_or bool_and nvl
ifnull now strftime strptime make_timestamp timezone convert_timezone length substr char_length btrim
iff get_path flatten is_array to_timestamp_ntz
"""
_FOREIGN_FUNCTIONS = frozenset(_FOREIGN_FUNCTION_NAMES.split())
# SQL Server's reserved keywords that other warehouses let a model use as a bare column or alias name.
_RESERVED_WORD_NAMES = """
add authorization backup begin break browse bulk cascade check checkpoint close clustered collate
compute constraint contains continue current cursor database dbcc deallocate declare default deny disk
distributed double dump errlvl escape exec execute exit external file fillfactor foreign freetext function
goto grant holdlock identity identitycol index key kill lineno load merge national nocheck nonclustered of
off offsets open option percent pivot plan precision primary print proc procedure public raiserror read
readtext reconfigure references replication restore restrict revert revoke rowcount rowguidcol rule save
schema securityaudit session_user setuser shutdown some statistics system_user tablesample textsize top
tran transaction trigger truncate tsequal unpivot updatetext use user varying view waitfor within writetext
"""
_RESERVED_WORDS = frozenset(_RESERVED_WORD_NAMES.split())
_TOKEN_RULES: dict[TokenType, str] = {
    TokenType.LIMIT: "limit",
    TokenType.DCOLON: "double-colon-cast",
    TokenType.DPIPE: "pipe-concat",
    TokenType.ILIKE: "ilike",
    TokenType.TRUE: "boolean-literal",
    TokenType.FALSE: "boolean-literal",
    TokenType.INTERVAL: "interval",
    TokenType.LATERAL: "lateral",
    TokenType.ARROW: "json-operator",
    TokenType.DARROW: "json-operator",
    TokenType.CURRENT_DATE: "current-date",
    TokenType.RECURSIVE: "recursive",
}
_TYPED_LITERAL_TYPES = frozenset({TokenType.DATE, TokenType.TIMESTAMP, TokenType.TIME, TokenType.DATETIME})
_NOT_NAMES = frozenset({TokenType.STRING, TokenType.IDENTIFIER})
_STRING_TYPES = frozenset(
    {exp.DataType.Type.VARCHAR, exp.DataType.Type.NVARCHAR, exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR}
)


@dataclass(frozen=True)
class Violation:
    """One rule broken at one place; `file` is set by lint_compiled_dir."""

    rule: str
    line: int | None
    message: str
    file: str | None = None

    def __str__(self) -> str:
        where = f"{self.file or '<sql>'}:{self.line if self.line is not None else '?'}"
        return f"{where}: [{self.rule}] {self.message}"


def lint_tsql(sql: str, as_view: bool = False) -> list[Violation]:
    """Every violation in `sql`, by line, identical ones once; `as_view`: the statement is a view body."""
    try:
        tokens = sqlglot.tokenize(sql, read="tsql")
        statements = sqlglot.parse(sql, read="tsql")
    except (ParseError, TokenError) as error:
        return [_violation("parse-error", None, str(error).splitlines()[0])]
    found = list(_token_violations(tokens))
    for statement in statements:
        if statement is not None:
            found.extend(_ast_violations(statement, as_view))
    return sorted(set(found), key=lambda v: (v.line or 0, v.rule))


def lint_compiled_dir(path: Path) -> dict[str, list[Violation]]:
    """Violations per .sql file under `path` (e.g. target/compiled/flexlake/models); clean files left out."""
    results: dict[str, list[Violation]] = {}
    for sql_file in sorted(path.rglob("*.sql")):
        name = str(sql_file.relative_to(path))
        violations = [_with_file(v, name) for v in lint_tsql(sql_file.read_text(), as_view=True)]
        if violations:
            results[name] = violations
    return results


def _violation(rule: str, line: int | None, detail: str = "") -> Violation:
    return Violation(rule, line, RULES[rule] + (f" ({detail})" if detail else ""))


def _with_file(violation: Violation, name: str) -> Violation:
    return Violation(violation.rule, violation.line, violation.message, name)


def _token_violations(tokens: list[Token]) -> Iterator[Violation]:
    """Rules on the token stream: what the parser rewrites into valid T-SQL is still visible here."""
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        rule = _TOKEN_RULES.get(token.token_type) or _pair_rule(token, following)
        if rule:
            yield _violation(rule, token.line, token.text)


def _pair_rule(token: Token, following: Token | None) -> str | None:
    """Rules that need the next token: UNION DISTINCT, NULLS FIRST, date '...', foreign functions."""
    if following is None:
        return None
    text, next_type = token.text.lower(), following.token_type
    if token.token_type == TokenType.UNION and next_type == TokenType.DISTINCT:
        return "union-distinct"
    if text == "nulls" and following.text.lower() in ("first", "last"):
        return "nulls-ordering"
    if token.token_type in _TYPED_LITERAL_TYPES and next_type == TokenType.STRING:
        return "typed-literal"
    if token.token_type not in _NOT_NAMES and next_type == TokenType.L_PAREN and text in _FOREIGN_FUNCTIONS:
        return "unknown-function"
    return None


def _ast_violations(statement: exp.Expr, as_view: bool) -> Iterator[Violation]:
    """Rules on the parsed statement: where a construct sits decides whether T-SQL accepts it."""
    for node in statement.walk():
        for check in _NODE_CHECKS:
            rule = check(node, as_view)
            if rule:
                yield _violation(rule, _line(node))


def _line(node: exp.Expr | None) -> int | None:
    """The line of the first identifier or literal under `node`, else under its parent (sqlglot keeps
    positions only on those leaves; a data type or `*` has none)."""
    while node is not None:
        for child in node.walk():
            line = child.meta.get("line") if child._meta else None
            if isinstance(line, int):
                return line
        node = node.parent
    return None


def _nested_with(node: exp.Expr, as_view: bool) -> str | None:
    """A WITH inside a CTE body or a subquery (T-SQL: only at the top of a statement)."""
    nested = isinstance(node, exp.With) and node.find_ancestor(exp.CTE, exp.Subquery) is not None
    return "nested-with" if nested else None


def _is_predicate(node: exp.Expr) -> bool:
    """Whether T-SQL takes `node` as a condition (it has no boolean values, only predicates)."""
    if isinstance(node, exp.Paren):
        return _is_predicate(node.this)
    if isinstance(node, exp.Connector):
        return _is_predicate(node.left) and _is_predicate(node.right)
    if isinstance(node, exp.Not):
        return _is_predicate(node.this)
    return isinstance(node, exp.Predicate | exp.Boolean)


def _boolean_projection(node: exp.Expr, as_view: bool) -> str | None:
    """A select item that is a predicate (`a = b as flag`) or true/false."""
    if not isinstance(node.parent, exp.Select) or node.arg_key != "expressions":
        return None
    value = node.this if isinstance(node, exp.Alias) else node
    return "boolean-projection" if _is_predicate(value) else None


def _non_boolean_condition(node: exp.Expr, as_view: bool) -> str | None:
    """A WHERE / HAVING / ON / CASE WHEN condition that is a value (`where is_deleted`)."""
    condition: exp.Expr | None = None
    if isinstance(node, exp.Where | exp.Having):
        condition = node.this
    elif isinstance(node, exp.Join):
        condition = node.args.get("on")
    elif isinstance(node, exp.If) and isinstance(node.parent, exp.Case) and not node.parent.this:
        condition = node.this
    return "non-boolean-condition" if condition is not None and not _is_predicate(condition) else None


def _order_by_in_view(node: exp.Expr, as_view: bool) -> str | None:
    """ORDER BY of a query that is a view body, subquery or CTE, without TOP or OFFSET to need it."""
    query = node.parent
    if not isinstance(node, exp.Order) or not isinstance(query, exp.Query):
        return None
    if query.args.get("limit") or query.args.get("offset"):
        return None
    nested = query.find_ancestor(exp.Subquery, exp.CTE, exp.Create, exp.SetOperation) is not None
    return "order-by-in-view" if nested or (as_view and query.parent is None) else None


def _positional_reference(node: exp.Expr, as_view: bool) -> str | None:
    """GROUP BY 1 / ORDER BY 1: a number where an expression belongs."""
    items: list[exp.Expr] = []
    if isinstance(node, exp.Group):
        items = list(node.expressions)
    elif isinstance(node, exp.Order) and isinstance(node.parent, exp.Query):
        items = [ordered.this for ordered in node.expressions]
    positional = any(isinstance(item, exp.Literal) and not item.is_string for item in items)
    return "positional-reference" if positional else None


def _set_operation_all(node: exp.Expr, as_view: bool) -> str | None:
    """INTERSECT ALL / EXCEPT ALL (the parser keeps them; SQL Server refuses)."""
    is_all = isinstance(node, exp.Intersect | exp.Except) and node.args.get("distinct") is False
    return "set-operation-all" if is_all else None


def _data_type(node: exp.Expr, as_view: bool) -> str | None:
    """`timestamp` (rowversion in T-SQL), `boolean`, and varchar/char without a length."""
    if not isinstance(node, exp.DataType):
        return None
    if node.this == exp.DataType.Type.ROWVERSION:
        return "rowversion-timestamp"
    if node.this in _STRING_TYPES and not node.expressions:
        return "string-without-length"
    return "boolean-type" if node.this == exp.DataType.Type.BOOLEAN else None


def _reserved_word(node: exp.Expr, as_view: bool) -> str | None:
    """An unquoted identifier that SQL Server reserves (`as key`, `t.user`): valid elsewhere, not there."""
    reserved = isinstance(node, exp.Identifier) and not node.quoted and node.name.lower() in _RESERVED_WORDS
    return "reserved-word" if reserved else None


def _clause(node: exp.Expr, as_view: bool) -> str | None:
    """JOIN ... USING, aggregate FILTER, DISTINCT ON."""
    if isinstance(node, exp.Join) and node.args.get("using"):
        return "using-join"
    if isinstance(node, exp.Filter):
        return "aggregate-filter"
    return "distinct-on" if isinstance(node, exp.Distinct) and node.args.get("on") else None


_NODE_CHECKS: tuple[Callable[[exp.Expr, bool], str | None], ...] = (
    _nested_with,
    _boolean_projection,
    _non_boolean_condition,
    _order_by_in_view,
    _positional_reference,
    _set_operation_all,
    _data_type,
    _clause,
    _reserved_word,
)
