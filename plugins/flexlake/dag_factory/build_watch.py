"""One poll of a run's dbt build for all of its waiting report triggers in a triggerer process.

Why: the first model tasks start with the build, so the chain of model tasks (one scheduler and triggerer round
per hop on Airflow 3.3) overlaps the build instead of following it (issue 13, docs/benchmarks.md: the dbt part of a
run 2.04x -> 1.72x a bare `dbt build` on DuckDB). A first version let every waiting trigger read its own XCom and
the build's state each second through `sync_to_async` — two blocking requests per task per second through the
trigger runner's one channel to its supervisor — and Airflow 3.3.2's trigger runner stopped under CI load
(2026-12-07). Here the triggers of a run share one watch: every `POLL_SECONDS` it reads the build's progress (one
small XCom naming the report tasks pushed so far, pushed by dag_factory/dbt_build.ReportPublisher) and the build's
state, with the Task SDK's asynchronous calls on the trigger runner's own loop (no thread, no lock). A trigger reads
its own report when it starts (usually there already: the chain lags dbt) and again when the progress names it or
the build has ended. Two requests per running build per second, however many tasks wait. (Airflow 3.3's shared
streams, `BaseEventTrigger.shared_stream_key`, serve asset-watcher triggers only, not a task's trigger.)

This module imports neither Cosmos nor dbt: the triggerer loads it for every report task.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BUILD_TASK_ID = "dbt_build"
# The XCom key of the build's progress: {"build_try_number": n, "reported": [report task ids pushed so far]}.
PROGRESS_KEY = "dbt_progress"
# How often a run's watch reads the build's progress and state (two small reads through the API server).
POLL_SECONDS = 1.0
# Reads that fail in a row before the waiting triggers hand their tasks to workers (a moment without the API
# server must not start a worker process per waiting model task).
MAX_FAILED_READS = 3
# The build task's states after which it reports nothing more.
BUILD_ENDED_STATES = frozenset({"success", "failed", "upstream_failed", "skipped", "removed"})


@dataclass(frozen=True)
class BuildProgress:
    """What one poll saw: the report tasks the build has pushed (for which attempt), and the build's state."""

    version: int
    reported: frozenset[str] = frozenset()
    build_try_number: int = 0
    state: str | None = None
    error: str | None = None

    @property
    def ended(self) -> bool:
        return self.state in BUILD_ENDED_STATES

    def has_reported(self, task_id: str, try_number: int) -> bool:
        """A build attempt at least as late as this task attempt has pushed its report (an earlier build's
        progress is not this attempt's: after a whole-run clear the new build's is awaited; a later attempt of
        the task alone, a rerun, waits for the build's end and is then decided by dbt_reports.is_rerun)."""
        return task_id in self.reported and self.build_try_number >= try_number


@dataclass
class RunWatch:
    """The shared poll of one run's build; it runs while at least one trigger waits on it."""

    dag_id: str
    run_id: str
    latest: BuildProgress | None = None
    waiters: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _poller: "asyncio.Task[None] | None" = None

    async def wait_for(self, accept: Callable[[BuildProgress], bool]) -> BuildProgress:
        """The first poll result `accept` takes (the latest one may already do), or one with a read error."""
        self.waiters += 1
        try:
            if self._poller is None or self._poller.done():
                self._poller = asyncio.create_task(self._poll(), name=f"dbt build watch {self.run_id}")
            async with self._changed:
                await self._changed.wait_for(
                    lambda: self.latest is not None and (bool(self.latest.error) or accept(self.latest))
                )
            assert self.latest is not None
            return self.latest
        finally:
            self.waiters -= 1

    async def _poll(self) -> None:
        version = self.latest.version if self.latest else 0
        failed_reads = 0
        try:
            while self.waiters:
                version += 1
                progress = await _read_progress(self.dag_id, self.run_id, version)
                failed_reads = failed_reads + 1 if progress.error else 0
                if not progress.error or failed_reads >= MAX_FAILED_READS:
                    async with self._changed:
                        self.latest = progress
                        self._changed.notify_all()
                await asyncio.sleep(POLL_SECONDS)
        finally:
            key = _watch_key(self.dag_id, self.run_id)
            if _WATCHES.get(key) is self:
                del _WATCHES[key]


# One watch per run and event loop (a test runs each trigger set in a loop of its own).
_WATCHES: dict[tuple[int, str, str], RunWatch] = {}


def _watch_key(dag_id: str, run_id: str) -> tuple[int, str, str]:
    return id(asyncio.get_running_loop()), dag_id, run_id


def run_watch(dag_id: str, run_id: str) -> RunWatch:
    """The run's watch in this process's running loop, created by its first waiting trigger."""
    key = _watch_key(dag_id, run_id)
    watch = _WATCHES.get(key)
    if watch is None:
        watch = _WATCHES[key] = RunWatch(dag_id, run_id)
    return watch


async def _read_progress(dag_id: str, run_id: str, version: int) -> BuildProgress:
    """One poll; a failed or malformed read is a result too (its triggers hand their tasks to a worker, which says
    why), never an exception that would end the poll and leave its triggers waiting."""
    try:
        state = await build_state_async(dag_id, run_id)
        progress = await xcom_from_build_async(dag_id, run_id, PROGRESS_KEY) or {}
        return BuildProgress(
            version=version,
            reported=frozenset(progress.get("reported", ())),
            build_try_number=int(progress.get("build_try_number", 0)),
            state=state,
        )
    except Exception as error:  # the API server unreachable, a response malformed: never hang the triggers
        return BuildProgress(version=version, error=f"{type(error).__name__}: {error}")


def _supervisor_comms() -> Any:
    from airflow.sdk.execution_time import task_runner  # noqa: PLC0415 (set in a triggerer process)

    return task_runner.SUPERVISOR_COMMS


async def xcom_from_build_async(dag_id: str, run_id: str, key: str) -> Any:
    """An XCom of the run's build task, read on the trigger runner's loop (the Task SDK's `XCom.aget_one`)."""
    from airflow.sdk.execution_time.xcom import XCom  # noqa: PLC0415

    return await XCom.aget_one(key=key, dag_id=dag_id, task_id=BUILD_TASK_ID, run_id=run_id, map_index=-1)


async def build_state_async(dag_id: str, run_id: str) -> str | None:
    """The run's build task state. The Task SDK has only a blocking `RuntimeTaskInstance.get_task_states` in
    3.3.2; this sends its very request (`GetTaskStates`) on the asynchronous channel instead."""
    from airflow.sdk.execution_time.comms import GetTaskStates  # noqa: PLC0415

    request = GetTaskStates(dag_id=dag_id, task_ids=[BUILD_TASK_ID], run_ids=[run_id])
    response = await _supervisor_comms().asend(request)
    state = response.task_states.get(run_id, {}).get(BUILD_TASK_ID)
    return str(state) if state is not None else None
