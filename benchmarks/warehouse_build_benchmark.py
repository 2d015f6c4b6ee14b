"""Full and incremental `dbt build` of the product for one faker tenant at 1 M and 10 M order lines.

What does a tenant's build cost at volume, and what does an incremental build with 1% new rows save? Raw
Airbyte-shaped faker tables are generated in DuckDB SQL (range(), hash(): deterministic, seconds for 10 M
rows); `dbt build` runs with the DAG's vars and selectors; an append sync adds 1% new order lines and
re-versions 0.1%; `dbt build` again without --full-refresh; then a --full-refresh of both incremental facts
on the same data must give the same rows (count, keys, amount sum), or the timing would mean nothing.
Method and reading: benchmarks/README.md. Run from the repository root:

    .venv/bin/python -m benchmarks.warehouse_build_benchmark --sizes 1000000 10000000 --postgres-size 1000000
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from tests.integration.conftest import PostgresServer, _create_role_and_database, _run, _start
from tests.integration.dbt_cli import DBT_EXECUTABLE, DBT_PROJECT_DIR, REPO_ROOT

DOCS = REPO_ROOT / "docs" / "benchmarks.md"
SECTION = "## Warehouse build: full vs incremental"
PREFIX, RAW_SCHEMA, RAW_ALIAS = "bench", "bench_raw_faker", "raw_faker"
# The DAG's selectors for a faker-only tenant (dag_factory/dbt_task_group.py dbt_selectors).
EXCLUDE = [f"path:models/{layer}/{system}" for system in ("shopify", "stripe") for layer in ("staging", "adapters")]
EXCLUDE += ["path:models/marts/subscriptions", "fct_subscriptions"]
FACTS_SQL = {
    "fct_order_lines": "select count(*), count(distinct order_line_key), sum(line_amount) from {s}.fct_order_lines",
    "fct_payments": "select count(*), count(distinct payment_key), sum(amount) from {s}.fct_payments",
}
START, DAY = "timestamp '2024-11-27'", 86400
# h(id, salt, n): a deterministic pseudo-random integer in [0, n); pick(...): an element of a list by hash.
MACROS = """create or replace temp macro h(id, salt, n) as cast(hash(id, salt) % n as bigint);
create or replace temp macro pick(id, salt, xs) as xs[1 + h(id, salt, len(xs))];
create or replace temp macro synced(t) as date_trunc('day', t) + interval 26 hour;
create or replace temp macro returned(id, t) as t + to_seconds(86400 + h(id, 'd', 20 * 86400));"""
# Purchase ids in [first, first + count); ids from first + bought on are abandoned carts (no purchased_at).
# Synced by the daily sync after the purchase's last event (history), or at one given time (an append).
PURCHASES_SQL = """
select id, user_id, product_id, added_to_cart_at as created_at, synced as updated_at, added_to_cart_at,
    purchased_at, returned_at, md5('purchases-' || id) as _airbyte_raw_id, synced as _airbyte_extracted_at,
    cast('{{}}' as json) as _airbyte_meta
from (select *, coalesce({sync}, synced(coalesce(returned_at, purchased_at, added_to_cart_at))) as synced
    from (select *, case when h(id, 'r', 100) < {returned_pct} and returned(id, purchased_at) <= {start}
            + to_seconds({span}) then returned(id, purchased_at) end as returned_at
        from (select id, 1 + h(id, 'u', {users}) as user_id, 1 + h(id, 'p', 300) as product_id, added_to_cart_at,
                case when id < {first} + {bought} then added_to_cart_at + to_seconds(60 + h(id, 'b', 86400))
                end as purchased_at
            from (select range as id, {start} + to_seconds(h(range, 't', {span})) as added_to_cart_at
                from range({first}, {first} + {bought} + {bought} // 9))))
)"""
USERS_SQL = """
select id, created_at, synced(created_at) as updated_at, pick(id, 'n', ['Ann', 'Bo', 'Cy', 'Di', 'Ed']) as name,
    pick(id, 't', ['Mr.', 'Ms.', 'Dr.']) as title, 18 + h(id, 'a', 60) as age, 'user' || id || '@example.com' as email,
    '555-' || (id % 10000) as telephone, pick(id, 'g', ['Female', 'Male', 'Other']) as gender, 'English' as language,
    'Master' as academic_degree, 'Irish' as nationality, 'Decorator' as occupation,
    printf('%.2f', 1.5 + h(id, 'h', 50) / 100) as height, pick(id, 'bt', ['A+', 'O-', 'AB+']) as blood_type,
    50 + h(id, 'w', 60) as weight, cast(json_object('street_number', '1', 'street_name', 'Main',
        'city', 'City ' || (id % 500), 'state', 'State ' || (id % 50), 'postal_code', lpad(cast(id % 99999 as varchar),
        5, '0'), 'country_code', pick(id, 'cc', ['US', 'NL', 'DE', 'FR'])) as json) as address,
    md5('users-' || id) as _airbyte_raw_id, synced(created_at) as _airbyte_extracted_at,
    cast('{{}}' as json) as _airbyte_meta
from (select range as id, {start} + to_seconds(h(range, 'c', 730 * 86400)) as created_at from range(1, {users} + 1))
"""
PRODUCTS_SQL = """
select id, pick(id, 'm', ['Toyota', 'Ford', 'Honda', 'BMW', 'Audi', 'Kia', 'Mazda', 'Volvo']) as make,
    'Model ' || id as model, 2000 + h(id, 'y', 25) as year, cast((500000 + h(id, 'pr', 6000000)) / 100
    as decimal(38, 9)) as price, {start} - interval 1 day as created_at, {start} as updated_at,
    md5('products-' || id) as _airbyte_raw_id, {start} as _airbyte_extracted_at, cast('{{}}' as json) as _airbyte_meta
from range(1, 301) as t(id)
"""
# An existing kept purchase returned just now: a new version (newer updated_at) from the same sync.
RETURNS_SQL = """
select id, user_id, product_id, created_at, {sync}, added_to_cart_at, purchased_at, {sync} - interval 1 hour,
    md5('return-' || id), {sync}, _airbyte_meta
from {schema}.purchases where id <= {lines} and returned_at is null and h(id, 'v', 1000) = 0
"""


def generate_raw(path: Path, lines: int) -> None:
    """Two years of history: lines/10 users, 300 products, `lines` bought purchases (+10% abandoned carts),
    ~6% of them returned by now; each row extracted by the daily sync after its last event."""
    with duckdb.connect(str(path)) as con:
        con.execute(MACROS)
        con.execute(f"create schema {RAW_SCHEMA}")
        users = max(lines // 10, 10)
        con.execute(f"create table {RAW_SCHEMA}.users as {USERS_SQL.format(users=users, start=START)}")
        con.execute(f"create table {RAW_SCHEMA}.products as {PRODUCTS_SQL.format(start=START)}")
        purchases = PURCHASES_SQL.format(
            first=1, bought=lines, users=users, sync="null", returned_pct=6, start=START, span=730 * DAY
        )
        con.execute(f"create table {RAW_SCHEMA}.purchases as {purchases}")


def append_sync(path: Path, lines: int) -> Path:
    """An append sync a day after the last one: 1% new bought purchases of the last days (+10% abandoned
    carts) and 0.1% existing kept purchases re-versioned as returned. Returns the new rows as CSV."""
    with duckdb.connect(str(path)) as con:
        con.execute(MACROS)
        last_id, last_sync = con.execute(
            f"select max(id), max(_airbyte_extracted_at) from {RAW_SCHEMA}.purchases"
        ).fetchone() or (0, None)
        sync = f"timestamp '{last_sync + dt.timedelta(days=1):%Y-%m-%d %H:%M:%S}'"
        new = PURCHASES_SQL.format(
            first=last_id + 1, bought=lines // 100, users=max(lines // 10, 10), sync=sync, returned_pct=0,
            start=f"({sync} - interval 4 day)", span=3 * DAY,
        )  # fmt: skip
        con.execute(f"create temp table delta as {new}")
        con.execute(f"insert into delta {RETURNS_SQL.format(sync=sync, schema=RAW_SCHEMA, lines=lines)}")
        con.execute(f"insert into {RAW_SCHEMA}.purchases select * from delta")
        csv = path.with_suffix(".delta.csv")
        con.execute(f"copy delta to '{csv}' (header false)")
    return csv


@dataclass
class Target:
    """One warehouse to build on: dbt target, vars, environment, a query on its result, the append sync."""

    name: str
    lines: int
    work: Path
    dbt_vars: dict[str, Any]
    env: dict[str, str]
    fetch: Callable[[str], tuple[Any, ...]]
    append: Callable[[], object]
    threads: int = 1
    builds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def dbt(self, step: str, command: list[str]) -> None:
        """One dbt invocation in a subprocess: wall seconds (start-up and parse included) and run_results."""
        work = self.work / step
        args = [str(DBT_EXECUTABLE), *command, "--threads", str(self.threads), "--target", self.name,
                "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                "--vars", json.dumps(self.dbt_vars), "--target-path", str(work / "target"),
                "--log-path", str(work / "logs")]  # fmt: skip
        started = time.perf_counter()
        result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **self.env}, check=False)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"dbt {step} failed on {self.name}:\n{result.stdout[-4000:]}")
        results = json.loads((work / "target" / "run_results.json").read_text())["results"]
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self.builds[step] = {"seconds": seconds, "results": results, "rss_mb": rss_mb}


def measure(target: Target) -> dict[str, Any]:
    """Full build, append sync, incremental build, then --full-refresh of both facts on the same data."""
    core = f"{PREFIX}_core"
    target.dbt("full", ["build", "--exclude", *EXCLUDE])
    rows_full = target.fetch(FACTS_SQL["fct_order_lines"].format(s=core))[0]
    target.append()
    target.dbt("incremental", ["build", "--exclude", *EXCLUDE])
    facts = {name: target.fetch(sql.format(s=core)) for name, sql in FACTS_SQL.items()}
    target.dbt("refresh", ["run", "--full-refresh", "--select", *FACTS_SQL])
    refreshed = {name: target.fetch(sql.format(s=core)) for name, sql in FACTS_SQL.items()}
    return {"target": target.name, "lines": target.lines, **target.builds, "rows_full": rows_full,
            "rows_incremental": facts["fct_order_lines"][0], "equal": facts == refreshed, "facts": facts}  # fmt: skip


def run_duckdb(lines: int, root: Path, threads: int) -> dict[str, Any]:
    raw, warehouse = root / f"{RAW_ALIAS}.duckdb", root / "warehouse.duckdb"
    generate_raw(raw, lines)
    dbt_vars = {
        "flexlake_duckdb_path": str(warehouse), "flexlake_schema_prefix": PREFIX, "flexlake_source_systems": ["faker"],
        "flexlake_duckdb_attach": [{"path": str(raw), "alias": RAW_ALIAS}],
        "flexlake_raw_relations": {"faker": [{"database": RAW_ALIAS, "schema": RAW_SCHEMA}]},
    }  # fmt: skip

    def fetch(sql: str) -> tuple[Any, ...]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(sql).fetchone() or ()

    return measure(Target("duckdb", lines, root, dbt_vars, {}, fetch, lambda: append_sync(raw, lines), threads))


@contextlib.contextmanager
def postgres_server(root: Path) -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL from the integration tests' helpers (as `postgres`, trust auth, a free port)."""
    data, sock = root / "pgdata", root / "pgsock"
    sock.mkdir(parents=True)
    root.parent.chmod(0o755)  # a mkdtemp folder is 0700: the server user must reach its data dir
    for path in (root, sock):
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")
    _run(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8"])
    port = _start(data, sock, root / "pg.log")
    try:
        server = PostgresServer(host="127.0.0.1", port=port, user="flexlake", password="flexlake", dbname="flexlake")
        _create_role_and_database(port, server)
        yield server
    finally:
        _run(["pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"])


def copy_to_postgres(con: Any, raw: Path, table: str, csv: Path | None = None) -> None:
    """Create the raw table with PyAirbyte's PostgreSQL types (jsonb, numeric(38,9)) unless a delta CSV is
    given, and COPY the rows in from CSV written by DuckDB (DuckDB's postgres extension needs the network)."""
    if csv is None:
        csv = raw.with_name(f"{table}.csv")
        with duckdb.connect(str(raw), read_only=True) as duck:
            duck.execute(f"copy {RAW_SCHEMA}.{table} to '{csv}' (header false)")
            columns = duck.execute(f"describe {RAW_SCHEMA}.{table}").fetchall()
        ddl = ", ".join(f"{name} {'jsonb' if kind == 'JSON' else kind}" for name, kind, *_ in columns)
        with con.cursor() as cursor:
            cursor.execute(f"create table {RAW_SCHEMA}.{table} ({ddl})")
    with con.cursor() as cursor, csv.open() as handle:
        cursor.copy_expert(f"copy {RAW_SCHEMA}.{table} from stdin with (format csv)", handle)


def run_postgres(lines: int, root: Path, threads: int) -> dict[str, Any]:
    import psycopg2  # noqa: PLC0415 - only the PostgreSQL run needs the driver

    raw = root / "raw.duckdb"
    generate_raw(raw, lines)
    with (
        postgres_server(root / "pg") as server,
        contextlib.closing(psycopg2.connect(**server.connection_kwargs)) as con,
    ):
        con.autocommit = True
        with con.cursor() as cursor:
            cursor.execute(f"create schema {RAW_SCHEMA}")
        for table in ("users", "products", "purchases"):
            copy_to_postgres(con, raw, table)

        def fetch(sql: str) -> tuple[Any, ...]:
            with con.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone() or ()

        dbt_vars = {"flexlake_schema_prefix": PREFIX, "flexlake_source_systems": ["faker"],
                    "flexlake_raw_relations": {"faker": [{"database": None, "schema": RAW_SCHEMA}]}}  # fmt: skip

        def append() -> None:
            copy_to_postgres(con, raw, "purchases", append_sync(raw, lines))

        return measure(Target("postgres", lines, root, dbt_vars, server.dbt_env, fetch, append, threads))


def slowest(build: dict[str, Any], count: int = 5) -> str:
    """The nodes that took longest (run_results execution_time, seconds)."""
    nodes = sorted(build["results"], key=lambda r: -r["execution_time"])[:count]
    return ", ".join(f"`{r['unique_id'].split('.')[2]}` {r['execution_time']:.1f}" for r in nodes)


def split(build: dict[str, Any]) -> str:
    """Seconds in models / tests (the rest of the wall time is dbt's start-up, parse and seeds)."""
    total = {kind: sum(r["execution_time"] for r in build["results"] if r["unique_id"].startswith(kind + "."))
             for kind in ("model", "test")}  # fmt: skip
    return f"{total['model']:.0f} / {total['test']:.0f}"


HEADER = (
    "| warehouse | order lines | full build s | incremental s | incremental/full | fct_order_lines after full "
    "| after incremental | models / tests s, full | models / tests s, incremental | incremental = full refresh "
    "| peak RSS |\n" + "|---" * 11 + "|"
)
NOTES = """`dbt build` = models, seeds and tests (as the DAG runs them), faker tenant, the DAG's selectors. Wall seconds
include dbt's start-up and parse; models / tests s are sums of run_results execution times. Incremental: an
append sync of 1% new order lines (+10% abandoned carts) and 0.1% re-versioned (returned) purchases, then
`dbt build` without --full-refresh; checked against a --full-refresh of both facts on the same data (row
count, distinct keys, amount sum). Peak RSS: the largest child process so far (dbt, with DuckDB in-process;
the PostgreSQL server is not a child and is not counted)."""


def row(result: dict[str, Any]) -> str:
    full, incremental = result["full"], result["incremental"]
    cells = [result["target"], f"{result['lines']:,}", f"{full['seconds']:.1f}", f"{incremental['seconds']:.1f}",
             f"**{incremental['seconds'] / full['seconds']:.2f}**", f"{result['rows_full']:,}",
             f"{result['rows_incremental']:,}", split(full), split(incremental),
             "yes" if result["equal"] else f"**NO** {result['facts']}",
             f"{result['refresh']['rss_mb']:.0f} MB"]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def _kept(old: str, rows: dict[str, str], details: dict[str, str]) -> None:
    """Rows and bullets of sizes not measured in this run stay (the sizes can be run one at a time)."""
    for line in old.splitlines():
        if line.startswith(("| duckdb", "| postgres")):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows.setdefault(f"{cells[0]} {cells[1]}", line)
        elif line.startswith(("- duckdb", "- postgres")):
            details.setdefault(" ".join(line[2:].split()[:2]), line)


def write_section(rows: dict[str, str], details: dict[str, str], machine: str) -> str:
    """Replace this benchmark's section of docs/benchmarks.md (or append it)."""
    doc = DOCS.read_text()
    start = doc.find(SECTION)
    end = doc.find("\n## ", start + len(SECTION)) if start != -1 else -1
    if start != -1:
        _kept(doc[start : end if end != -1 else len(doc)], rows, details)
    order = sorted(rows, key=lambda key: (key.split()[0], int(key.split()[1].replace(",", ""))))
    text = "\n".join(
        [SECTION, "", "Written by `benchmarks/warehouse_build_benchmark.py` (method: `benchmarks/README.md`); "
         "do not edit by hand.", "", machine, "", HEADER, *(rows[key] for key in order), "",
         *(details[key] for key in order if key in details), "", NOTES, ""]
    )  # fmt: skip
    head = doc[:start] if start != -1 else doc.rstrip("\n") + "\n\n"
    DOCS.write_text(head + text + (doc[end + 1 :] if end != -1 else ""))
    return text


def machine(threads: int) -> str:
    import dbt.version  # noqa: PLC0415 - only for the version string

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (nproc; shared with "
            f"other sessions' jobs), {ram:.1f} GiB RAM; Python {platform.python_version()}, dbt-core "
            f"{dbt.version.__version__}, duckdb {duckdb.__version__}; `--threads {threads}`.")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 10_000_000], help="DuckDB order lines")
    parser.add_argument("--postgres-size", type=int, nargs="*", default=[1_000_000], help="none or 0: skip")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print the section, do not touch the docs")
    args = parser.parse_args()
    rows: dict[str, str] = {}
    details: dict[str, str] = {}
    for target, lines in [("duckdb", n) for n in args.sizes] + [("postgres", n) for n in args.postgres_size if n]:
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="flexlake-whbench-") as tmp:
            result = (run_duckdb if target == "duckdb" else run_postgres)(lines, Path(tmp), args.threads)
        key = f"{target} {lines:,}"
        rows[key] = row(result)
        details[key] = (f"- {key} ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load {load:.1f} -> "
                        f"{os.getloadavg()[0]:.1f}): slowest nodes (s), full: {slowest(result['full'])}; "
                        f"incremental: {slowest(result['incremental'])}")  # fmt: skip
        print(HEADER, rows[key], details[key], sep="\n", flush=True)
        if not args.no_write:
            write_section(dict(rows), dict(details), machine(args.threads))


if __name__ == "__main__":
    main()
