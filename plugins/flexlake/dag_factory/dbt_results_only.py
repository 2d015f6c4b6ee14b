"""Cosmos's local operators, with dbt writing only the run results a task needs, not the project's manifest.

Every dbt invocation with `--write-json` (dbt's default) serializes the whole project's manifest.json twice
(after parsing and after the run) and graph.gpickle: ~3 MB for the product, about half of a one-model dbt
invocation (measured on 2 cores: 1.57 s median with it, 0.83 s without; a whole DuckDB tenant run through
`airflow dags test`, 222 s -> 199 s). A per-model task never reads those files: Cosmos hands a task's results
to our callback through target/run_results.json only (dag_factory/dbt_operator.stage_task_run_results, for the
catalog's merged run_results), and OpenLineage is off.

So the tasks run dbt with `--no-write-json`, and these subclasses write run_results.json from the result
dbt returns in memory, with the very call dbt itself makes (`RunExecutionResult.write`), before Cosmos runs
the callback. `dbt docs generate` (the catalog task) keeps writing its artifacts: it is not built from here.
`run_dbt_runner` is a public method of Cosmos's local operators (cosmos/operators/local.py, 1.15).
"""

from pathlib import Path
from typing import Any

from airflow.sdk.bases.operator import BaseOperator
from cosmos.operators.local import (
    DbtBuildLocalOperator,
    DbtRunLocalOperator,
    DbtSeedLocalOperator,
    DbtSnapshotLocalOperator,
    DbtTestLocalOperator,
)

NO_WRITE_JSON_FLAG = "--no-write-json"
# A model task whose model has tests runs `dbt build --select <model>` when it runs dbt itself (a retry, a clear):
# the model and its tests, as the task reports them (dag_factory/dbt_task_group.py).
NODE_BUILD_COMMAND = "build_node"
RUN_RESULTS_FILE = Path("target") / "run_results.json"


def write_run_results(result: Any, project_dir: Path) -> bool:
    """Write a dbtRunnerResult's run results where dbt would have; False when dbt returned none (it failed
    before running anything, e.g. a compilation error, when dbt writes none either)."""
    execution: Any = getattr(result, "result", None)
    if not hasattr(execution, "write"):
        return False
    target = project_dir / RUN_RESULTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    execution.write(str(target))
    return True


class _WritesRunResultsOnly:
    """Mixin for a Cosmos local operator in DBT_RUNNER mode: run results from memory, nothing else on disk."""

    def run_dbt_runner(self, command: list[str], env: dict[str, str], cwd: str, **kwargs: Any) -> Any:
        result = super().run_dbt_runner(command, env, cwd, **kwargs)  # type: ignore[misc]
        write_run_results(result, Path(cwd))
        return result


class DbtRunResultsOnlyOperator(_WritesRunResultsOnly, DbtRunLocalOperator):  # type: ignore[misc]
    """`dbt run` for one model."""


class DbtTestResultsOnlyOperator(_WritesRunResultsOnly, DbtTestLocalOperator):  # type: ignore[misc]
    """`dbt test` for one model's tests."""


class DbtSeedResultsOnlyOperator(_WritesRunResultsOnly, DbtSeedLocalOperator):  # type: ignore[misc]
    """`dbt seed` for one seed."""


class DbtSnapshotResultsOnlyOperator(_WritesRunResultsOnly, DbtSnapshotLocalOperator):  # type: ignore[misc]
    """`dbt snapshot` for one snapshot."""


class DbtNodeBuildResultsOnlyOperator(_WritesRunResultsOnly, DbtBuildLocalOperator):  # type: ignore[misc]
    """`dbt build` of one model and its tests (a model task that runs dbt itself)."""


RESULTS_ONLY_OPERATORS: dict[str, type[BaseOperator]] = {
    NODE_BUILD_COMMAND: DbtNodeBuildResultsOnlyOperator,
    "run": DbtRunResultsOnlyOperator,
    "test": DbtTestResultsOnlyOperator,
    "seed": DbtSeedResultsOnlyOperator,
    "snapshot": DbtSnapshotResultsOnlyOperator,
}
