"""Per-task dbt cost with and without the per-tenant partial-parse cache (settings.DBT_PARSE_CACHE_DIR).

Every dbt task of a tenant runs dbt with that tenant's vars; the manifest baked ahead of time was parsed
with the defaults, so dbt cannot reuse its partial_parse.msgpack and parses the whole project again, in
every task. Cosmos's cache_dir keeps the msgpack a tenant's first task wrote for the next ones.

Method: in one process, the Cosmos operator a tenant task builds (DbtNodeOperator.cosmos_kwargs) runs
`dbt run --select <model>` for one demo tenant, alternating cache off (cache_dir=None) and on (a temp
dir), after one warm-up of each (imports, adapter registration, first cache fill). The ratio is
median(off) / median(on). Needs the demo's data (`make demo` once) and the environment of
scripts/airflow-env.sh (the Makefile target sets it).

    .venv/bin/python benchmarks/dbt_task_benchmark.py [--tenant bluebird_books] [--model stg_faker__users]
"""

import argparse
import datetime as dt
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from flexlake import settings
from flexlake.dag_factory.dbt_operator import DbtNodeOperator, dbt_node_task
from flexlake.tenant_config import load_tenant_config

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## dbt task overhead: partial-parse cache"


class _TaskInstance:
    task_id = "benchmark"


def _run_once(task: DbtNodeOperator, cache_dir: Path | None) -> float:
    kwargs: dict[str, Any] = {**task.cosmos_kwargs(), "cache_dir": cache_dir}
    operator = type(task).cosmos_operator(task.command)(**kwargs)
    context: Any = {"run_id": "benchmark", "task_instance": _TaskInstance(), "ti": _TaskInstance()}
    started = time.perf_counter()
    operator.execute(context)
    return time.perf_counter() - started


def measure(tenant_id: str, model: str, repeat: int) -> dict[str, list[float]]:
    tenant = load_tenant_config(settings.TENANT_CONFIGS_DIR / f"{tenant_id}.yaml")
    task = dbt_node_task(
        task_id=f"{model}_run", tenant=tenant, command="run", select=model, callback=lambda *_, **__: None
    )
    samples: dict[str, list[float]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as cache:
        _run_once(task, None)
        _run_once(task, Path(cache))
        for _ in range(repeat):
            samples["off"].append(_run_once(task, None))
            samples["on"].append(_run_once(task, Path(cache)))
    return samples


def section(samples: dict[str, list[float]], tenant_id: str, model: str) -> str:
    off, on = statistics.median(samples["off"]), statistics.median(samples["on"])
    return "\n".join(
        [
            SECTION,
            "",
            f"`benchmarks/dbt_task_benchmark.py`, {dt.date.today().isoformat()}, {platform.node()} "
            f"({platform.processor() or platform.machine()}, Python {platform.python_version()}): "
            f"`dbt run --select {model}` for `{tenant_id}` through the task's Cosmos operator, in one process.",
            "",
            "| partial-parse cache | median s | samples s |",
            "|---|---|---|",
            f"| off (full parse per task) | {off:.2f} | {', '.join(f'{s:.2f}' for s in samples['off'])} |",
            f"| on (per tenant) | {on:.2f} | {', '.join(f'{s:.2f}' for s in samples['on'])} |",
            "",
            f"Ratio off/on: **{off / on:.1f}x**. A task process also pays Airflow's task start-up and imports "
            "(not measured here), so a whole task saves the difference, not the ratio.",
            "",
        ]
    )


def write_section(text: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md (or append it)."""
    doc = DOCS.read_text()
    start = doc.find(SECTION)
    if start == -1:
        DOCS.write_text(doc.rstrip("\n") + "\n\n" + text)
        return
    end = doc.find("\n## ", start + len(SECTION))
    DOCS.write_text(doc[:start] + text + (doc[end + 1 :] if end != -1 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default="bluebird_books")
    parser.add_argument("--model", default="stg_faker__users")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print the section, do not touch the docs")
    args = parser.parse_args()
    text = section(measure(args.tenant, args.model, args.repeat), args.tenant, args.model)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
