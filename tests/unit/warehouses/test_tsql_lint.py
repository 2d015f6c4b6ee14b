"""The T-SQL linter flags what SQL Server rejects and passes the T-SQL the product writes.

Every rule has a known-bad statement that must be flagged with that rule id, and a test fails when a
rule has none, so the linter cannot pass the compiled product vacuously.
"""

from pathlib import Path

import pytest
from flexlake.warehouses.tsql_lint import RULES, Violation, lint_compiled_dir, lint_tsql

# rule id -> statements SQL Server rejects (or silently misreads) because of that rule.
KNOWN_BAD: dict[str, list[str]] = {
    "parse-error": ["select from where"],
    "limit": ["select a from t limit 10", "select a from t order by a limit 1"],
    "nested-with": [
        "with a as (with b as (select 1 as x) select x from b) select x from a",
        "select x from (with b as (select 1 as x) select x from b) as s",
    ],
    "boolean-projection": [
        "select a = b as same from t",
        "select a > 1 and b < 2 as both from t",
        "select not (a = 1) as differs from t",
        "select a in (1, 2) as listed from t",
        "select a is null as missing from t",
        "select a like 'x%' as matches from t",
        "select a between 1 and 2 as inside from t",
        "select exists (select 1 from s) as has_rows from t",
        "select true as yes",
    ],
    "non-boolean-condition": [
        "select a from t where is_deleted",
        "select a from t join s on s.flag",
        "select case when is_test then 1 else 0 end as x from t",
        "select a from t group by a having count(*)",
        "select a from t where a = 1 and is_deleted",
    ],
    "double-colon-cast": ["select a::int as a from t"],
    "pipe-concat": ["select a || b as ab from t"],
    "order-by-in-view": [
        "create view v as select a from t order by a",
        "select a from (select a from t order by a) as s",
        "with c as (select a from t order by a) select a from c",
    ],
    "union-distinct": ["select a from t union distinct select a from s"],
    "set-operation-all": [
        "select a from t intersect all select a from s",
        "select a from t except all select a from s",
    ],
    "positional-reference": ["select a, count(*) as n from t group by 1", "select a from t order by 1"],
    "ilike": ["select a from t where a ilike 'x%'"],
    "boolean-literal": ["select a from t where flag = true", "select a from t where false"],
    "interval": ["select a + interval '1 day' as b from t"],
    "rowversion-timestamp": ["select cast('1900-01-01' as timestamp) as d"],
    "boolean-type": ["select cast(a as boolean) as b from t"],
    "string-without-length": ["select cast(a as varchar) as b from t", "select cast(a as char) as c from t"],
    "lateral": ["select x.y from t cross join lateral (select t.a as y) as x"],
    "json-operator": ["select j ->> 'a' as a from t", "select j -> 'a' as a from t"],
    "nulls-ordering": ["select top 5 a from t order by a nulls last"],
    "typed-literal": ["select date '2020-01-01' as d"],
    "current-date": ["select current_date as d"],
    "using-join": ["select t.a from t join s using (id)"],
    "aggregate-filter": ["select count(*) filter (where a = 1) as n from t"],
    "distinct-on": ["select distinct on (a) a, b from t"],
    "recursive": ["with recursive r as (select 1 as n) select n from r"],
    "unknown-function": [
        "select md5(a) as h from t",
        "select extract(year from d) as y from t",
        "select date_trunc('month', d) as m from t",
        "select json_extract_path_text(j, 'a') as a from t",
        "select generate_series(1, 10) as n",
    ],
    "reserved-word": ["select a as key from t", "select t.user from t", "select a as percent, b as plan from t"],
}

# T-SQL SQL Server accepts, including the shapes the product's models compile to.
KNOWN_GOOD = [
    "select a, b from t",
    "with a as (select 1 as x), b as (select x from a) select x from b",
    "select top 10 a from t order by a",
    "select top (10) a from t order by a desc",
    "select a from t order by a offset 10 rows fetch next 5 rows only",
    "select a from (select top 3 a from t order by a) as s",
    "select a from t order by a",
    "select case when a = 1 and b is not null then 1 else 0 end as flag from t",
    "select case a when 1 then 'one' else 'other' end as word from t",
    "select cast(a as numeric(18, 2)) as amount, cast(b as varchar(8000)) as s, cast(d as datetime2) as ts from t",
    "select convert(varchar(32), hashbytes('MD5', concat(a, '-', b)), 2) as k from t",
    "select row_number() over (partition by a order by b desc) as rn, sum(c) over (order by b) as s from t",
    "select a, count(*) as n from t group by a having count(*) > 1",
    "select a from t where exists (select 1 from s where s.a = t.a) and not (a in (1, 2))",
    "select a from t union all select a from s",
    "select a from t union select a from s",
    "select dateadd(day, 1, d) as d1, datediff(day, d, e) as days, datepart(year, d) as y from t",
    "select json_value(j, '$.a') as a from t cross apply openjson(t.items) as items",
    "select cast(getdate() as date) as today, coalesce(a, 0) as a, nullif(b, 0) as b, len(c) as n from t",
    "select d0.n + 10 * d1.n as n from (values (0), (1)) as d0 (n) cross join (values (0), (1)) as d1 (n)",
    "select a from t where 1 = 0",
    "select ((datepart(weekday, d) + @@datefirst - 2) % 7 + 1) as isodow from t",
    'select a as [key], t.[user], "plan" from t',
    "select string_agg(a, ',') within group (order by a) as s from t",
]

PRODUCT_SHAPED = """-- depends_on: "flexlake"."raw_shop"."orders"
with raw_orders as (

    select
        cast("id" as BIGINT) as id,
        cast("cancelled_at" as DATETIME2(6)) as cancelled_at,
        cast("test" as BIT) as test,
        cast('shopify' as VARCHAR(8000)) as source_system
    from "flexlake"."raw_shop"."orders"

),

ranked as (

    select
        raw_orders.*,
        row_number() over (partition by source_system, id order by cancelled_at desc) as version_rank
    from raw_orders

)

select
    lower(convert(varchar(32), hashbytes('MD5', concat(coalesce(cast(id as VARCHAR(8000)), '_null_'), '-')), 2)) as k,
    case when test = 1 then 1 else 0 end as is_test,
    max(case when cancelled_at is null then 0 else 1 end) over (partition by id) as was_cancelled
from ranked
where version_rank = 1
    and id >= (
        select coalesce(dateadd(hour, -72, max(id)), cast('1900-01-01' as DATETIME2(6))) from ranked
    )
"""


def _rules(sql: str, as_view: bool = False) -> set[str]:
    return {violation.rule for violation in lint_tsql(sql, as_view=as_view)}


def test_every_rule_has_a_known_bad_statement() -> None:
    """A rule without a statement it must flag could silently never fire."""
    assert set(KNOWN_BAD) == set(RULES), f"rules without a known-bad case: {set(RULES) - set(KNOWN_BAD)}"


@pytest.mark.parametrize(("rule", "sql"), [(rule, sql) for rule, statements in KNOWN_BAD.items() for sql in statements])
def test_known_bad_statement_is_flagged_with_its_rule(rule: str, sql: str) -> None:
    """Each known-bad statement yields a violation with the rule it breaks."""
    assert rule in _rules(sql), f"{sql!r} not flagged as {rule}: {lint_tsql(sql)}"


@pytest.mark.parametrize("sql", KNOWN_GOOD)
def test_known_good_tsql_passes_clean(sql: str) -> None:
    """Valid T-SQL (CTEs, TOP, OFFSET/FETCH, CASE, CAST, CONCAT, windows, APPLY) has no violation."""
    assert lint_tsql(sql) == [], f"{sql!r}: {lint_tsql(sql)}"


def test_a_model_shaped_like_the_product_passes_as_a_view_body() -> None:
    """The product's compiled shape (flat CTEs, 0/1 flags, md5 by hashbytes, datetime2) is clean."""
    assert lint_tsql(PRODUCT_SHAPED, as_view=True) == []


def test_top_level_order_by_is_flagged_only_in_a_view_body() -> None:
    """A model's select becomes a view body in dbt-sqlserver (tables too), where ORDER BY is rejected."""
    sql = "select a from t order by a"
    assert "order-by-in-view" not in _rules(sql)
    assert "order-by-in-view" in _rules(sql, as_view=True)


def test_violation_names_the_line_and_the_fix() -> None:
    """The violation points at the offending line and its message says what to write instead."""
    [violation] = lint_tsql("select a\nfrom t\nlimit 5")
    assert violation == Violation("limit", 3, RULES["limit"] + " (limit)")
    assert "TOP" in str(violation) and ":3:" in str(violation)


def test_lint_compiled_dir_reports_bad_files_by_relative_path(tmp_path: Path) -> None:
    """Only files with violations are reported, keyed by their path under the directory."""
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "bad.sql").write_text("select a\nfrom t\norder by 1")
    (tmp_path / "good.sql").write_text("select a from t")
    results = lint_compiled_dir(tmp_path)
    assert list(results) == ["marts/bad.sql"]
    assert {v.rule for v in results["marts/bad.sql"]} == {"positional-reference", "order-by-in-view"}
    assert all(v.file == "marts/bad.sql" and v.line == 3 for v in results["marts/bad.sql"])
