"""Realtime latency benchmark (issue 16 item 4): a message published → the new orders visible in mart_revenue_daily.

On the stack of `make up` (scripts/airflow_up.sh: api-server, scheduler with LocalExecutor, dag-processor,
triggerer) and Debian's redis-server (started here with the integration tests' fixture, installed with apt-get when
missing), one enterprise tenant with a `realtime:` block per warehouse — DuckDB, and PostgreSQL on a throw-away
server (run_overhead_benchmark.bench_tenants) — with a faker source on the dlt engine at count 1000 (~700 orders).

New orders reach the source the way a shop gets them: more customers. faker's records are a deterministic prefix of
(seed, count), so raising `count` in the tenant file by `--step` users adds their purchases and changes nothing
else; the run's sync task reads the tenant file when it starts (the worker parses the DAG file per task). The
expected `sum(orders)` of mart_revenue_daily for each count is computed from the same generator (the dlt venv's
flexlake faker source) before anything runs: every purchase with `purchased_at` is one counted order.

Per warehouse:
  1. first load: one message on an empty warehouse (the full build), waited for, not counted;
  2. `--events` times: raise count, publish one message, poll what a reader sees until the mart holds exactly the
     expected orders (DuckDB: the published reader copy, as the SQL console and BI tools read it; PostgreSQL: the
     marts schema), then wait for the run to end. The run's task instances give the parts: publish → run queued,
     queued → started, start → sync done (provision_warehouse and the sync), → dbt_build start, dbt_build (which
     publishes DuckDB's reader copy when it ends), → seen by the poll, and the rest of the run: the report tasks
     after the build, publish_catalog (on a run started by a message: the previous docs with the run's summary, no
     `dbt docs generate`; the summary's `docs_reused` is recorded);
  3. the burst: `--burst` messages in `--burst-seconds`, each after one more user; then at most 2 runs may start
     and once they end the mart must hold every user's orders;
  4. the baseline, on the same data: a bare `dbt build` of the DAG's selection (run_overhead_benchmark's), so the
     median latency is also a ratio.

Run from the repository root (manifest built first), under the heavy lock:
    .venv/bin/python -m benchmarks.realtime_latency_benchmark [--warehouses duckdb postgres] [--events 10]
        [--burst 100] [--quick] [--output FILE]
Prints one JSON document (and writes it to FILE); docs/benchmarks.md quotes a real run. Goal: median and worst
≤ 90 s on 2 cores. Ten events take more than 10 minutes of the heavy lock per warehouse; two invocations of
`--events 5` each, then `--combine A.json B.json` prints the median and worst over both (and the median parts).
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

from benchmarks.machine import machine_facts
from benchmarks.run_overhead_benchmark import BenchTenant, _bare_dbt_build, bench_tenants
from tests.integration.airflow_servers import (
    AirflowStack,
    all_task_instances,
    running_airflow_stack,
    wait_for_dag_listed,
    wait_for_run,
)
from tests.integration.conftest import RedisServer, redis_server

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REDIS_CONNECTION_ID = "bench_events_redis"
SEED = 1
GOAL_SECONDS = 90.0
VISIBLE_TIMEOUT_SECONDS = 600.0
POLL_SECONDS = 0.5
# The integration tests' session fixture, used as a plain context manager: the same install-if-missing and start.
redis_for_benchmark = contextlib.contextmanager(getattr(redis_server, "__wrapped__"))  # noqa: B009 - untyped


def realtime_yaml(bench: BenchTenant, count: int) -> str:
    """The measured tenant: enterprise, its warehouse, one faker source on dlt, events on its own Redis channel."""
    return (
        f"tenant_id: {bench.tenant_id}\ndisplay_name: Bench {bench.warehouse}\ntier: enterprise\n"
        f"warehouse: {bench.warehouse_yaml}\n"
        f"sources: [{{name: shop, system: faker, engine: dlt, options: {{count: {count}, seed: {SEED}}}}}]\n"
        f"realtime: {{queue: redis, connection_id: {REDIS_CONNECTION_ID}, topic: {channel(bench)}, "
        "debounce_seconds: 2, max_staleness_minutes: 1440}\n"
    )


def channel(bench: BenchTenant) -> str:
    return f"flexlake.{bench.tenant_id}"


def write_tenant(folder: Path, bench: BenchTenant, count: int) -> None:
    """Replace the tenant file in one rename: a task parsing the DAG file never reads half a file."""
    path = folder / f"{bench.tenant_id}.yaml"
    scratch = path.with_suffix(".yaml.tmp")
    scratch.write_text(realtime_yaml(bench, count))
    scratch.replace(path)


def expected_orders(max_count: int) -> list[int]:
    """[n] = the counted orders of users 1..n: faker purchases with purchased_at, from the sync's own generator
    (run in the dlt venv, where its dependencies are)."""
    from flexlake.ingestion.embedded_dlt import dlt_python  # noqa: PLC0415

    code = (
        "import importlib.util, json, sys\n"
        "spec = importlib.util.spec_from_file_location('faker_source', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "bought = [0] * (int(sys.argv[2]) + 1)\n"
        "for row in module.generate_purchases(int(sys.argv[2]), int(sys.argv[3])):\n"
        "    bought[row['user_id']] += 1 if row['purchased_at'] else 0\n"
        "print(json.dumps(bought))\n"
    )
    source = PROJECT_ROOT / "plugins" / "flexlake" / "ingestion" / "dlt_faker_source.py"
    done = subprocess.run(
        [str(dlt_python()), "-c", code, str(source), str(max_count), str(SEED)],
        check=True,
        capture_output=True,
        text=True,
    )
    per_user: list[int] = json.loads(done.stdout)
    cumulative, total = [], 0
    for bought in per_user:
        total += bought
        cumulative.append(total)
    return cumulative


def mart_orders(stack: AirflowStack, bench: BenchTenant) -> int | None:
    """sum(orders) of mart_revenue_daily as a reader sees it now; None before the mart exists."""
    from flexlake import settings  # noqa: PLC0415
    from flexlake.tenant_config import load_tenant_config  # noqa: PLC0415
    from flexlake.warehouses.base import READER_LAYER, model_schema_name  # noqa: PLC0415
    from flexlake.warehouses.duckdb import DuckDBWarehouse  # noqa: PLC0415

    settings.DATA_DIR = stack.data_dir
    tenant = load_tenant_config(stack.tenant_configs_dir / f"{bench.tenant_id}.yaml")
    query = f"select sum(orders) from {model_schema_name(tenant, READER_LAYER)}.mart_revenue_daily"
    try:
        if bench.warehouse == "duckdb":
            warehouse = DuckDBWarehouse()
            if not warehouse.reader_path(tenant).exists():
                return None
            with warehouse.reader_connection(tenant) as connection:
                row = connection.execute(query).fetchone()
        else:
            row = _postgres_row(bench, query)
    except Exception as error:  # a mart not built yet, a reader copy being renamed: poll again
        if any(text in str(error) for text in ("mart_revenue_daily", "does not exist", "IO Error")):
            return None
        raise
    return int(row[0]) if row and row[0] is not None else None


def _postgres_row(bench: BenchTenant, query: str) -> tuple[Any, ...] | None:
    import psycopg2  # noqa: PLC0415

    (uri,) = bench.env.values()
    with (
        contextlib.closing(psycopg2.connect(uri.replace("postgres://", "postgresql://", 1))) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(query)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row


def _subscribers(client: redis.Redis, bench: BenchTenant) -> int:
    numsub: list[tuple[bytes, int]] = client.pubsub_numsub(channel(bench))  # type: ignore[assignment]
    return int(dict(numsub).get(channel(bench).encode(), 0))


def _run_ids(stack: AirflowStack, dag_id: str) -> list[Any]:
    from airflow_client.client import DagRunApi  # noqa: PLC0415

    with stack.api_client() as client:
        return list(DagRunApi(client).get_dag_runs(dag_id, order_by=["run_after"], limit=100).dag_runs)


def _wait_for(what: str, check: Any, timeout: float = VISIBLE_TIMEOUT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (result := check()) is not None and result is not False:
            return result
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"not after {timeout:.0f} s: {what}")


def _publish(client: redis.Redis, bench: BenchTenant) -> dt.datetime:
    """One producer message naming the source; the time it was published."""
    published = dt.datetime.now(dt.UTC)
    receivers = client.publish(channel(bench), json.dumps({"sources": ["shop"]}))
    if receivers != 1:
        raise RuntimeError(f"the message reached {receivers} subscribers of {channel(bench)}, expected the watcher")
    return published


def measure_event(
    stack: AirflowStack, client: redis.Redis, bench: BenchTenant, count: int, expected: int
) -> dict[str, Any]:
    """Raise the source to `count` users, publish, wait until a reader sees `expected` orders, then for the run's
    end; the latency and its parts."""
    before = {run.dag_run_id for run in _run_ids(stack, bench.dag_id)}
    write_tenant(stack.tenant_configs_dir, bench, count)
    published = _publish(client, bench)
    seen = _wait_for(
        f"{expected} orders in {bench.tenant_id}'s mart_revenue_daily (now {mart_orders(stack, bench)})",
        lambda: dt.datetime.now(dt.UTC) if mart_orders(stack, bench) == expected else None,
    )
    (run_id,) = [run.dag_run_id for run in _run_ids(stack, bench.dag_id) if run.dag_run_id not in before]
    finished = wait_for_run(stack, bench.dag_id, run_id, timeout=VISIBLE_TIMEOUT_SECONDS, poll=1.0)
    if finished.state != "success":
        raise RuntimeError(f"{bench.dag_id} run {run_id} ended {finished.state}: {finished.task_states}")
    parts = latency_parts(stack, bench.dag_id, run_id, published, seen)
    return {"count": count, "orders": expected, "docs_reused": docs_reused(stack, bench, run_id), **parts}


def docs_reused(stack: AirflowStack, bench: BenchTenant, run_id: str) -> str | None:
    """Why the run's catalog version carries the previous docs (None: it generated them), from its summary."""
    from flexlake.catalog.publish import LATEST_POINTER, run_key  # noqa: PLC0415

    catalog = stack.data_dir / "catalog" / bench.tenant_id
    version = catalog / (catalog / LATEST_POINTER).read_text().strip()
    if not version.name.endswith(run_key(run_id)):
        raise RuntimeError(f"the latest catalog version {version.name} is not run {run_id}'s")
    reason = json.loads((version / "summary.json").read_text()).get("docs_reused")
    return str(reason) if reason else None


def latency_parts(
    stack: AirflowStack, dag_id: str, run_id: str, published: dt.datetime, seen: dt.datetime
) -> dict[str, float]:
    """Where the seconds from publish to visible went, from the run's and its task instances' times."""
    from airflow_client.client import DagRunApi, TaskInstanceApi  # noqa: PLC0415

    with stack.api_client() as client:
        run = DagRunApi(client).get_dag_run(dag_id, run_id)
        instances = {i.task_id: i for i in all_task_instances(TaskInstanceApi(client), dag_id, run_id)}
    sync_done = max(i.end_date for task_id, i in instances.items() if task_id.startswith("airbyte_sync__"))
    build, publish = instances["dbt_build"], instances["publish_catalog"]
    reports_end = max(
        [i.end_date for task_id, i in instances.items() if task_id.startswith("dbt_transform.") and i.end_date]
        or [build.end_date]
    )

    def seconds(start: dt.datetime | None, end: dt.datetime | None) -> float:
        if start is None or end is None:
            raise RuntimeError(f"{dag_id} run {run_id}: a task or the run has no start or end time")
        return round((end - start).total_seconds(), 1)

    return {
        "latency_seconds": seconds(published, seen),
        "publish_to_queued": seconds(published, run.queued_at),
        "queued_to_started": seconds(run.queued_at, run.start_date),
        "start_to_sync_done": seconds(run.start_date, sync_done),
        "sync_done_to_dbt_start": seconds(sync_done, build.start_date),
        "dbt_build": seconds(build.start_date, build.end_date),
        "build_end_to_seen": seconds(build.end_date, seen),
        "reports_after_build": seconds(build.end_date, reports_end),
        "to_publish_start": seconds(reports_end, publish.start_date),
        "publish_catalog": seconds(publish.start_date, publish.end_date),
        "run_start_to_end": seconds(run.start_date, run.end_date),
    }


def measure_burst(
    stack: AirflowStack,
    client: redis.Redis,
    bench: BenchTenant,
    *,
    count: int,
    args: argparse.Namespace,
    cumulative: list[int],
) -> dict[str, Any]:
    """`--burst` messages over `--burst-seconds`, one more user before each; the runs they made and the data after."""
    before = {run.dag_run_id for run in _run_ids(stack, bench.dag_id)}
    started = time.monotonic()
    for index in range(args.burst):
        count += 1
        write_tenant(stack.tenant_configs_dir, bench, count)
        last_published = _publish(client, bench)
        time.sleep(max(0.0, started + (index + 1) * args.burst_seconds / args.burst - time.monotonic()))
    burst_seconds = time.monotonic() - started
    runs = _wait_for_runs_to_settle(stack, bench, before)
    orders = mart_orders(stack, bench)
    return {
        "events": args.burst,
        "burst_seconds": round(burst_seconds, 1),
        "runs": len(runs),
        "at_most_two_runs": len(runs) <= 2,
        "run_states": [str(getattr(run.state, "value", run.state)) for run in runs],
        "final_count": count,
        "expected_orders": cumulative[count],
        "mart_orders": orders,
        "every_event_present": orders == cumulative[count],
        "last_event_to_last_run_end_seconds": round(
            (max(run.end_date for run in runs) - last_published).total_seconds(), 1
        ),
    }


def _wait_for_runs_to_settle(stack: AirflowStack, bench: BenchTenant, before: set[str]) -> list[Any]:
    """The runs made since `before`, once every one has ended and no new one came for 15 s."""
    quiet_since = time.monotonic()
    known: list[Any] = []
    deadline = time.monotonic() + 3 * VISIBLE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        runs = [run for run in _run_ids(stack, bench.dag_id) if run.dag_run_id not in before]
        ended = all(str(getattr(run.state, "value", run.state)) in {"success", "failed"} for run in runs)
        if len(runs) != len(known) or not ended:
            quiet_since = time.monotonic()
        known = runs
        if runs and ended and time.monotonic() - quiet_since > 15:
            return runs
        time.sleep(1.0)
    raise TimeoutError(f"the burst's runs did not settle: {[(r.dag_run_id, r.state) for r in known]}")


def measure_tenant(
    stack: AirflowStack, broker: RedisServer, bench: BenchTenant, args: argparse.Namespace, cumulative: list[int]
) -> dict[str, Any]:
    """First load, the timed events, the burst, then the bare dbt build on the same data."""
    from airflow_client.client import DAGApi, DAGPatchBody  # noqa: PLC0415

    client = redis.Redis(host=broker.host, port=broker.port)
    with stack.api_client() as api:
        DAGApi(api).patch_dag(bench.dag_id, DAGPatchBody(is_paused=False))  # a paused DAG's watcher is not started
    _wait_for(
        f"the watcher subscribed to {channel(bench)}",
        lambda: _subscribers(client, bench) == 1 or None,
        timeout=180,
    )
    count = args.count
    result: dict[str, Any] = {"first_load": measure_event(stack, client, bench, count, cumulative[count])}
    _log(bench, "first_load", result["first_load"])
    events = []
    for _ in range(args.events):
        count += args.step
        events.append(measure_event(stack, client, bench, count, cumulative[count]))
        _log(bench, f"event {len(events)}", events[-1])
    result["events"] = events
    result.update(event_statistics(events))
    if args.burst:
        result["burst"] = measure_burst(stack, client, bench, count=count, args=args, cumulative=cumulative)
        _log(bench, "burst", result["burst"])
    bare = _bare_dbt_build(stack, bench)
    result["bare_dbt_build_seconds"] = bare["seconds"]
    result["ratio_median_latency_to_bare_dbt_build"] = round(result["median_latency_seconds"] / bare["seconds"], 2)
    result["loadavg_after"] = [round(load, 2) for load in os.getloadavg()]
    _log(bench, "result", {k: v for k, v in result.items() if k != "events"})
    return result


def event_statistics(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and worst latency, the goal, the median of each part, and how many runs republished the docs."""
    latencies = [event["latency_seconds"] for event in events]
    parts = [part for part, value in events[0].items() if isinstance(value, float) and part != "latency_seconds"]
    return {
        "event_count": len(events),
        "median_latency_seconds": round(statistics.median(latencies), 1),
        "worst_latency_seconds": max(latencies),
        "goal_met": max(latencies) <= GOAL_SECONDS,
        "median_parts": {part: round(statistics.median(event[part] for event in events), 1) for part in parts},
        "runs_with_docs_reused": sum(1 for event in events if event.get("docs_reused")),
    }


def combine(paths: list[Path]) -> dict[str, Any]:
    """The events of several invocations' JSON documents, per warehouse, as one set of statistics."""
    documents = [json.loads(path.read_text()) for path in paths]
    combined: dict[str, Any] = {"invocations": [str(path) for path in paths]}
    for warehouse in ("duckdb", "postgres"):
        events = [event for document in documents for event in document.get(warehouse, {}).get("events", [])]
        if events:
            combined[warehouse] = event_statistics(events)
    return combined


def _log(bench: BenchTenant, label: str, data: dict[str, Any]) -> None:
    print(bench.warehouse, label, json.dumps(data, default=str), file=sys.stderr, flush=True)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouses", nargs="+", choices=("duckdb", "postgres"), default=["duckdb", "postgres"])
    parser.add_argument("--count", type=int, default=1000, help="faker users at the first load (~0.7 orders each)")
    parser.add_argument("--events", type=int, default=10, help="timed events per warehouse")
    parser.add_argument("--step", type=int, default=10, help="users added before each timed event")
    parser.add_argument("--burst", type=int, default=100, help="messages in the burst (0: no burst)")
    parser.add_argument("--burst-seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="DuckDB only, 3 events, a burst of 20 in 2 s")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--combine", nargs="+", type=Path, help="invocations' JSON outputs: statistics over all")
    args = parser.parse_args()
    if args.quick:
        args.warehouses, args.events, args.burst, args.burst_seconds = ["duckdb"], 3, 20, 2.0
    if args.events < 1:
        parser.error("--events must be at least 1")
    return args


@contextlib.contextmanager
def benchmark_stack(root: Path, tenants: list[BenchTenant], broker: RedisServer, count: int) -> Iterator[AirflowStack]:
    """airflow_up.sh with only the measured tenants, the Redis connection and each warehouse's connection."""
    source = root / "tenants_source"
    source.mkdir()
    for bench in tenants:
        write_tenant(source, bench, count)
    env = {f"AIRFLOW_CONN_{REDIS_CONNECTION_ID.upper()}": broker.url(0), "FLEXLAKE_TASK_RETRIES": "0"}
    env.update({key: value for bench in tenants for key, value in bench.env.items()})
    with running_airflow_stack(root / "stack", tenant_configs_source=source, extra_env=env) as stack:
        for bench in tenants:
            wait_for_dag_listed(stack, bench.dag_id, timeout=180)
        yield stack


def main() -> None:
    args = _arguments()
    if args.combine:
        print(json.dumps(combine(args.combine), indent=2))
        return
    max_count = args.count + args.events * args.step + args.burst
    cumulative = expected_orders(max_count)
    result: dict[str, Any] = {
        "machine": machine_facts(),
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "faker_count": args.count,
        "orders_at_first_load": cumulative[args.count],
        "step_users": args.step,
        "goal_seconds": GOAL_SECONDS,
    }
    with contextlib.ExitStack() as resources:
        root = Path(resources.enter_context(tempfile.TemporaryDirectory()))
        broker = resources.enter_context(redis_for_benchmark())
        tenants = resources.enter_context(bench_tenants(args.warehouses, root))
        stack = resources.enter_context(benchmark_stack(root, tenants, broker, args.count))
        for bench in tenants:
            result[bench.warehouse] = measure_tenant(stack, broker, bench, args, cumulative)
    result["finished_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    document = json.dumps(result, indent=2, default=str)
    print(document)
    if args.output:
        args.output.write_text(document + "\n")


if __name__ == "__main__":
    main()
