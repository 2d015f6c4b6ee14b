"""What one tenant run did, as an alert tells it: values only, so messages can be built and tested without Airflow."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NodeProblem:
    """One dbt node that failed or warned: its name, dbt's status and dbt's own message."""

    name: str
    status: str
    message: str


@dataclass(frozen=True)
class FailedTask:
    """A failed task and, for a model or test task, the dbt nodes behind its failure."""

    task_id: str
    nodes: tuple[NodeProblem, ...] = ()


@dataclass(frozen=True)
class RunOutcome:
    """One run: its failed tasks (and how many tasks they kept from running), warned tests, stale sources."""

    dag_id: str
    run_id: str
    failed_tasks: tuple[FailedTask, ...] = ()
    upstream_failed: int = 0
    warned_tests: tuple[NodeProblem, ...] = ()
    # One line per source whose raw data is older than its thresholds (flexlake.freshness.freshness_breaches).
    freshness_breaches: tuple[str, ...] = ()
