"""Full and incremental `dbt build` of the product for one faker tenant at 1 M and 10 M order lines.

What does a tenant's build cost at volume, and what does an incremental build after 1% new rows save? Checked
against a --full-refresh on the same data, or the timing would mean nothing. Method: benchmarks/README.md.

    .venv/bin/python -m benchmarks.warehouse_build_benchmark --sizes 1000000 10000000 --postgres-size 1000000
"""

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from flexlake.dag_factory.data_test_window import DATA_TESTS_SINCE_ENV, DEFAULT_LOOKBACK_HOURS, data_tests_since

from tests.integration.conftest import PostgresServer, postgres_cluster
from tests.integration.dbt_cli import DBT_EXECUTABLE, DBT_PROJECT_DIR, REPO_ROOT

DOCS = REPO_ROOT / "docs" / "benchmarks.md"
SECTION = "## Warehouse build: full vs incremental"
PREFIX, RAW_SCHEMA, RAW_ALIAS = "bench", "bench_raw_faker", "raw_faker"
# The DAG's selectors for a faker-only tenant (dag_factory/dbt_task_group.py dbt_selectors).
EXCLUDE = [f"path:models/{layer}/{system}" for system in ("shopify", "stripe") for layer in ("staging", "adapters")]
EXCLUDE += ["path:models/marts/subscriptions", "fct_subscriptions", "input__subscription_periods"]
FACTS_SQL = {
    "fct_orders": "select count(*), count(distinct order_key), sum(amount), sum(refund_amount) from {s}.fct_orders",
    "fct_order_lines": "select count(*), count(distinct order_line_key), sum(line_amount) from {s}.fct_order_lines",
    "fct_payments": "select count(*), count(distinct payment_key), sum(amount) from {s}.fct_payments",
}
# The marts recomputed by changed day or customer (include/dbt/macros/mart_ledger.sql), checked like the facts.
MARTS_SQL = {
    "mart_revenue_daily": "select count(*), sum(orders), sum(returned_orders), sum(gross_revenue), sum(refunds), "
    "sum(unconverted_orders) from {m}.mart_revenue_daily",
    "mart_revenue_daily_by_channel": "select count(*), sum(orders), sum(returned_orders), sum(gross_revenue), "
    "sum(refunds) from {m}.mart_revenue_daily_by_channel",
    "mart_customer_lifetime": "select count(*), sum(orders), sum(returned_orders), sum(net_revenue), "
    "sum(days_since_last_order), sum(is_active) from {m}.mart_customer_lifetime",
    "mart_customer_rfm": "select count(*), sum(recency_score * 100 + frequency_score * 10 + monetary_score), "
    "sum(monetary) from {m}.mart_customer_rfm",
}
START, DAY, RAW_SQL = "timestamp '2024-11-27'", 86400, Path(__file__).with_name("warehouse_build_raw.sql")


def raw_sql(name: str, **values: Any) -> str:
    """One named section of warehouse_build_raw.sql (SQL reads better as SQL), filled in."""
    section = next(part for part in RAW_SQL.read_text().split("-- name: ") if part.startswith(name + "\n"))
    return section.removeprefix(name + "\n").format(**values)


def generate_raw(path: Path, lines: int) -> None:
    """Two years of history: lines/10 users, 300 products, `lines` bought purchases (+10% abandoned carts),
    ~6% of them returned by now; each row extracted by the daily sync after its last event."""
    with duckdb.connect(str(path)) as con:
        con.execute(raw_sql("macros"))
        con.execute(f"create schema {RAW_SCHEMA}")
        users = max(lines // 10, 10)
        con.execute(f"create table {RAW_SCHEMA}.users as {raw_sql('users', users=users, start=START)}")
        con.execute(f"create table {RAW_SCHEMA}.products as {raw_sql('products', start=START)}")
        sql = raw_sql(
            "purchases", first=1, bought=lines, users=users, sync="null", returned_pct=6, start=START, span=730 * DAY
        )
        con.execute(f"create table {RAW_SCHEMA}.purchases as {sql}")


def append_sync(path: Path, lines: int) -> Path:
    """An append sync a day after the last one: 1% new bought purchases of the last days (+10% abandoned
    carts) and 0.1% existing kept purchases re-versioned as returned. Returns the new rows as CSV."""
    with duckdb.connect(str(path)) as con:
        con.execute(raw_sql("macros"))
        last = f"select max(id), max(_airbyte_extracted_at) from {RAW_SCHEMA}.purchases"
        last_id, last_sync = con.execute(last).fetchone() or (0, None)
        sync = f"timestamp '{last_sync + dt.timedelta(days=1):%Y-%m-%d %H:%M:%S}'"
        new = raw_sql("purchases", first=last_id + 1, bought=lines // 100, users=max(lines // 10, 10), sync=sync,
                      returned_pct=0, start=f"({sync} - interval 4 day)", span=3 * DAY)  # fmt: skip
        con.execute(f"create temp table delta as {new}")
        con.execute(f"insert into delta {raw_sql('returns', sync=sync, schema=RAW_SCHEMA, lines=lines)}")
        con.execute(f"insert into {RAW_SCHEMA}.purchases select * from delta")
        csv = path.with_suffix(".delta.csv")
        con.execute(f"copy delta to '{csv}' (header false)")
    return csv


@dataclass
class Target:
    """One warehouse to build on: dbt target, vars, environment, a query on its result, the append sync."""

    name: str
    work: Path
    dbt_vars: dict[str, Any]
    env: dict[str, str]
    fetch: Callable[[str], tuple[Any, ...]]
    append: Callable[[], object]
    raw_purchases: str
    threads: int
    timeout: float
    builds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def dbt(self, step: str, command: list[str], env: dict[str, str] | None = None) -> None:
        """One dbt invocation in a subprocess: wall seconds (start-up and parse included) and run_results.
        Every step shares one target path: dbt's partial parse carries over, as the DAG's Cosmos parse cache does."""
        work, project = self.work / step, os.environ.get("FLEXLAKE_DBT_PROJECT_DIR", str(DBT_PROJECT_DIR))
        args = [str(DBT_EXECUTABLE), *command, "--threads", str(self.threads), "--target", self.name,
                "--project-dir", project, "--profiles-dir", project,
                "--vars", json.dumps(self.dbt_vars), "--target-path", str(self.work / "target"),
                "--log-path", str(work / "logs")]  # fmt: skip
        started = time.perf_counter()
        try:
            result = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **self.env, **(env or {})},
                                    check=False, timeout=self.timeout)  # fmt: skip
        except subprocess.TimeoutExpired:
            node = re.findall(r"(\d+ of \d+) START .*? (\w+\.\w+) ", (work / "logs" / "dbt.log").read_text())[-1]
            raise RuntimeError(f"{step} build stopped after {self.timeout:.0f} s at node {' '.join(node)}") from None
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"{step} build failed: {' '.join(result.stdout[-600:].split())}")
        run_results = self.work / "target" / "run_results.json"
        results = json.loads(run_results.read_text())["results"] if command[0] != "parse" else []
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self.builds[step] = {"seconds": seconds, "results": results, "rss_mb": rss_mb}

    def data_tests_since(self) -> dict[str, str]:
        """The DAG's test window for the next run (dag_factory/data_test_window.py): the previous run's start, here
        the newest extraction in the raw data (the data's own clock), minus the facts' lookback."""
        (newest,) = self.fetch(f"select max(_airbyte_extracted_at) from {self.raw_purchases}")
        since = data_tests_since(newest.replace(tzinfo=dt.UTC), newest.replace(tzinfo=dt.UTC), DEFAULT_LOOKBACK_HOURS,
                                 full_refresh=False)  # fmt: skip
        return {DATA_TESTS_SINCE_ENV: since or ""}


def measure(target: Target) -> dict[str, Any]:
    """Full build, append sync, incremental build, an incremental build with no new data, then --full-refresh of
    the incremental facts, the marts recomputed by changed day or customer and every model upstream of them (the
    staging tables are incremental too) on the same data, compared by checksums. A `dbt parse` first: the DAG's
    builds start from a cached parse too."""
    core, build = f"{PREFIX}_core", ["build", "--exclude", *EXCLUDE]
    target.dbt("parse", ["parse"])
    target.dbt("full", build)
    rows_full = target.fetch(FACTS_SQL["fct_order_lines"].format(s=core))[0]
    window = target.data_tests_since()
    target.append()
    target.dbt("incremental", build, env=window)
    checked = {**FACTS_SQL, **MARTS_SQL}
    facts = {name: target.fetch(sql.format(s=core, m=f"{PREFIX}_marts")) for name, sql in checked.items()}
    target.dbt("no_new_data", build, env=target.data_tests_since())
    refresh = ["run", "--full-refresh", "--select", *(f"+{model}" for model in checked), "--exclude", *EXCLUDE]
    target.dbt("refresh", refresh)
    refreshed = {name: target.fetch(sql.format(s=core, m=f"{PREFIX}_marts")) for name, sql in checked.items()}
    return {**target.builds, "rows_full": rows_full, "rows_incremental": facts["fct_order_lines"][0],
            "equal": facts == refreshed, "facts": facts}  # fmt: skip


def run_duckdb(lines: int, root: Path, **settings: Any) -> dict[str, Any]:
    raw, warehouse = root / f"{RAW_ALIAS}.duckdb", root / "warehouse.duckdb"
    generate_raw(raw, lines)
    dbt_vars = {"flexlake_duckdb_path": str(warehouse), "flexlake_schema_prefix": PREFIX, "flexlake_source_systems":
                ["faker"], "flexlake_duckdb_attach": [{"path": str(raw), "alias": RAW_ALIAS}],
                "flexlake_raw_relations": {"faker": [{"database": RAW_ALIAS, "schema": RAW_SCHEMA}]}}  # fmt: skip

    def fetch(sql: str) -> tuple[Any, ...]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            con.execute(f"attach '{raw}' as {RAW_ALIAS} (read_only)")
            return con.execute(sql).fetchone() or ()

    raw_purchases = f"{RAW_ALIAS}.{RAW_SCHEMA}.purchases"
    append = lambda: append_sync(raw, lines)  # noqa: E731
    return measure(Target("duckdb", root, dbt_vars, {}, fetch, append, raw_purchases, **settings))


@contextlib.contextmanager
def postgres_server(root: Path) -> Iterator[PostgresServer]:
    """A throw-away PostgreSQL from the integration tests' helper (as `postgres`, trust auth, a free port); `root`
    is kept for the callers' layout, the cluster lives in a temp dir of its own and is removed afterwards."""
    del root
    with postgres_cluster() as (server, _data_dir):
        yield server


def copy_to_postgres(con: Any, raw: Path, table: str, csv: Path | None = None) -> None:
    """The raw table with PyAirbyte's PostgreSQL types, loaded by COPY from DuckDB's CSV (or a delta appended)."""
    if csv is None:
        csv = raw.with_name(f"{table}.csv")
        with duckdb.connect(str(raw), read_only=True) as duck:
            duck.execute(f"copy {RAW_SCHEMA}.{table} to '{csv}' (header false)")
            columns = duck.execute(f"describe {RAW_SCHEMA}.{table}").fetchall()
        ddl = ", ".join(f"{name} {'jsonb' if kind == 'JSON' else kind}" for name, kind, *_ in columns)
        with con.cursor() as cursor:
            cursor.execute(f"create schema if not exists {RAW_SCHEMA}; create table {RAW_SCHEMA}.{table} ({ddl})")
    with con.cursor() as cursor, csv.open() as handle:
        cursor.copy_expert(f"copy {RAW_SCHEMA}.{table} from stdin with (format csv)", handle)


def run_postgres(lines: int, root: Path, **settings: Any) -> dict[str, Any]:
    import psycopg2  # noqa: PLC0415 - only the PostgreSQL run needs the driver

    raw = root / "raw.duckdb"
    generate_raw(raw, lines)
    with (
        postgres_server(root / "pg") as server,
        contextlib.closing(psycopg2.connect(**server.connection_kwargs)) as con,
    ):
        con.autocommit = True
        for table in ("users", "products", "purchases"):
            copy_to_postgres(con, raw, table)

        def fetch(sql: str) -> tuple[Any, ...]:
            with con.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone() or ()

        dbt_vars = {"flexlake_schema_prefix": PREFIX, "flexlake_source_systems": ["faker"],
                    "flexlake_raw_relations": {"faker": [{"database": None, "schema": RAW_SCHEMA}]}}  # fmt: skip
        append = lambda: copy_to_postgres(con, raw, "purchases", append_sync(raw, lines))  # noqa: E731
        purchases = f"{RAW_SCHEMA}.purchases"
        return measure(Target("postgres", root, dbt_vars, server.dbt_env, fetch, append, purchases, **settings))


def slowest(build: dict[str, Any], count: int = 5) -> str:
    """The nodes that took longest (run_results execution_time, seconds)."""
    nodes = sorted(build["results"], key=lambda r: -r["execution_time"])[:count]
    return ", ".join(f"`{node['unique_id'].split('.')[2]}` {node['execution_time']:.1f}" for node in nodes)


def split(build: dict[str, Any]) -> str:
    """Seconds in models / tests (in brackets: the incremental facts); the rest is start-up, parse, seeds."""
    seconds = {kind: sum(r["execution_time"] for r in build["results"] if r["unique_id"].startswith(kind))
               for kind in ("model.", "test.", *(f"model.flexlake.{fact}" for fact in FACTS_SQL))}  # fmt: skip
    facts = sum(seconds[f"model.flexlake.{fact}"] for fact in FACTS_SQL)
    return f"{seconds['model.']:.0f} / {seconds['test.']:.0f} ({facts:.1f})"


LAYERS = {"stg_": "staging", "faker__": "adapters", "input__": "input", "pass_through__": "input", "dim_": "core",
          "fct_": "core", "mart_": "marts"}  # fmt: skip


def layer_of(name: str) -> str:
    """The dbt folder a node's name says it is in (the project's naming convention, include/dbt/README.md)."""
    return next((layer for prefix, layer in LAYERS.items() if name.startswith(prefix)), "other")


def tested_model(test: dict[str, Any], models: list[str]) -> str:
    """The model a test's name mentions (longest match): generic tests are named <test>_<model>_<column>."""
    name = test["unique_id"].split(".")[2]
    return max((model for model in models if model in name), key=len, default="")


def where_time_goes(build: dict[str, Any]) -> str:
    """Execution seconds per layer for models, and for the tests of each layer's models (by the tested model)."""
    results = build["results"]
    models = [r["unique_id"].split(".")[2] for r in results if r["unique_id"].startswith("model.")]
    seconds: dict[str, float] = {}
    for result in results:
        kind, name = result["unique_id"].split(".")[0], result["unique_id"].split(".")[2]
        layer = layer_of(name if kind == "model" else tested_model(result, models))
        key = f"{layer} {'models' if kind == 'model' else 'tests'}"
        seconds[key] = seconds.get(key, 0.0) + result["execution_time"]
    return ", ".join(f"{key} {value:.1f}" for key, value in sorted(seconds.items(), key=lambda kv: -kv[1]))


HEADER = ("| warehouse | order lines | full build s | incremental s | incremental/full | no new data / full "
          "| fct_order_lines rows | models / tests s (the 3 incremental facts), full | same, incremental "
          "| incremental = full refresh | peak RSS |\n" + "|---" * 11 + "|")  # fmt: skip
NOTES = """Wall seconds include dbt's start-up and partial parse (a `dbt parse` runs first: the DAG's builds start from
Cosmos's cached parse too); models / tests s are sums of run_results execution times. Incremental = after an append
sync of 1% new order lines and 0.1% re-versioned purchases, with the data-test window the DAG sets
(FLEXLAKE_DATA_TESTS_SINCE, dag_factory/data_test_window.py), checked against a --full-refresh of the incremental
facts, the revenue and customer marts and every model upstream of them (staging included) on the same data. No
new data = one more incremental build right after it. Peak RSS: largest child process so far (dbt with DuckDB
in-process; the PostgreSQL server is not counted).
Method and reading: `benchmarks/README.md`."""


def row(key: str, result: dict[str, Any]) -> str:
    full, incremental = result["full"], result["incremental"]
    cells = [*key.split(), f"{full['seconds']:.1f}", f"{incremental['seconds']:.1f}",
             f"**{incremental['seconds'] / full['seconds']:.2f}**",
             f"{result['no_new_data']['seconds'] / full['seconds']:.2f}",
             f"{result['rows_full']:,} -> {result['rows_incremental']:,}", split(full), split(incremental),
             "yes" if result["equal"] else f"**NO** {result['facts']}",
             f"{result['refresh']['rss_mb']:.0f} MB"]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def write_section(rows: dict[str, str], details: dict[str, str], machine: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md (or append it)."""
    doc = DOCS.read_text()
    start = doc.find(SECTION)
    end = doc.find("\n## ", start + len(SECTION)) if start != -1 else -1
    for line in doc[start:end].splitlines() if start != -1 else []:  # keep the sizes not run this time
        key = " ".join(line.strip("|- ").replace(" | ", " ").split()[:2])
        if key.startswith(("duckdb ", "postgres ")):
            (rows if line.startswith("|") else details).setdefault(key, line)
    text = "\n".join([SECTION, "", "Written by `benchmarks/warehouse_build_benchmark.py`; do not edit by hand.", "",
                      machine, "", HEADER, *(rows[k] for k in sorted(rows)), "", *(details[k] for k in sorted(details)),
                      "", NOTES, ""])  # fmt: skip
    head = doc[:start] if start != -1 else doc.rstrip("\n") + "\n\n"
    DOCS.write_text(head + text + ("\n" + doc[end + 1 :] if end != -1 else ""))


def keep_results(path: Path, result: dict[str, Any]) -> None:
    """Each build's per-node results (unique_id, status, execution_time), to see where the time goes in detail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    steps = {step: build["results"] for step, build in result.items() if isinstance(build, dict) and "results" in build}
    path.write_text(json.dumps({step: [{k: r[k] for k in ("unique_id", "status", "execution_time")} for r in results]
                                for step, results in steps.items()}, indent=1))  # fmt: skip


def export_product(rev: str, root: Path) -> str:
    """include/dbt as committed at `rev`, so edits made in the checkout while the benchmark runs do not leak in."""
    archive = subprocess.run(["git", "archive", rev, "include/dbt"], cwd=REPO_ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
    return str(root / "include" / "dbt")


def machine(threads: int) -> str:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"- Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (nproc; shared with "
            f"other sessions' jobs), {ram:.1f} GiB RAM; Python {platform.python_version()}, dbt-core "
            f"{importlib.metadata.version('dbt-core')}, duckdb {duckdb.__version__}; `--threads {threads}`; "
            f"include/dbt as committed at the revision each run names.")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000, 10_000_000], help="DuckDB order lines")
    parser.add_argument("--postgres-size", type=int, nargs="*", default=[1_000_000], help="none or 0: skip")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per dbt invocation")
    parser.add_argument("--product-rev", default="HEAD", help="git revision of include/dbt to build ('' = checkout)")
    parser.add_argument("--no-write", action="store_true", help="print the section, do not touch the docs")
    parser.add_argument("--results-dir", type=Path, help="also keep each build's run_results here, per node")
    args = parser.parse_args()
    rev = args.product_rev and subprocess.run(["git", "rev-parse", "--short", args.product_rev], cwd=REPO_ROOT,
                                              capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    if rev:
        os.environ["FLEXLAKE_DBT_PROJECT_DIR"] = export_product(rev, Path(tempfile.mkdtemp(prefix="flexlake-dbt-")))
    rows, details = dict[str, str](), dict[str, str]()
    for target, lines in [("duckdb", n) for n in args.sizes] + [("postgres", n) for n in args.postgres_size if n]:
        key, run, load = f"{target} {lines:,}", run_duckdb if target == "duckdb" else run_postgres, os.getloadavg()[0]
        try:
            with tempfile.TemporaryDirectory(prefix="flexlake-whbench-") as tmp:
                result = run(lines, Path(tmp), threads=args.threads, timeout=args.timeout)
            rows[key] = row(key, result)
            if args.results_dir:
                keep_results(args.results_dir / f"{target}-{lines}.json", result)
            full, incremental = result["full"], result["incremental"]
            found = (f"slowest nodes (s), full: {slowest(full)}; incremental: {slowest(incremental)}"
                     f"; where the incremental build's time goes (s): {where_time_goes(incremental)}")  # fmt: skip
        except RuntimeError as error:  # a build that fails or times out is a result too: say where it stopped
            rows[key], found = f"| {target} | {lines:,} | **did not finish** |" + " |" * 8, str(error).replace("|", "/")
        details[key] = (f"- {key} ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, include/dbt at {rev or 'checkout'}, "
                        f"load {load:.1f} -> {os.getloadavg()[0]:.1f}): {found}")  # fmt: skip
        print(HEADER, rows[key], details[key], sep="\n", flush=True)
        if not args.no_write:
            write_section(dict(rows), dict(details), machine(args.threads))


if __name__ == "__main__":
    main()
