"""What a run on the benchmark's Airflow stack costs the machine: one triggered run with its machine CPU, and the idle
stack's CPU per component (run_overhead_benchmark.py and its --per-model run)."""

import contextlib
import time
from typing import Any

import psutil

from tests.integration.airflow_servers import AirflowStack, unpause_trigger_and_wait


def machine_cpu_seconds() -> float:
    """CPU time the whole machine has spent working (not idle or waiting on I/O): a run's cost on a host that
    runs nothing else, Airflow's components and its workers included."""
    times = psutil.cpu_times()
    return float(times.user + times.nice + times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0))


# How long the idle stack is watched, and which components' own processes are read (the scheduler's loop settings).
IDLE_SECONDS = 60.0
IDLE_COMPONENTS = ("scheduler", "triggerer", "dag-processor", "api-server")


def idle_stack_cpu(stack: AirflowStack, seconds: float = IDLE_SECONDS) -> dict[str, Any]:
    """What the stack costs with nothing to run (before any tenant run, the product's tenants paused), per minute:
    the machine's CPU, and each component's main process (a tighter scheduler or triggerer loop shows here)."""
    processes = {name: stack.component_process(name) for name in IDLE_COMPONENTS}
    before = {name: _process_cpu_seconds(p) for name, p in processes.items()}
    machine_before = machine_cpu_seconds()
    time.sleep(seconds)
    per_minute = 60.0 / seconds
    return {
        "machine_cpu_seconds_per_minute": round((machine_cpu_seconds() - machine_before) * per_minute, 2),
        **{
            f"{name}_cpu_seconds_per_minute": round((_process_cpu_seconds(p) - before[name]) * per_minute, 2)
            for name, p in processes.items()
        },
    }


def _process_cpu_seconds(process: psutil.Process | None) -> float:
    """A component's CPU: its main process, the children it has reaped (a parse, a trigger runner restarted) and
    those alive (LocalExecutor's workers, the triggerer's runner)."""
    if process is None:
        return 0.0
    total = 0.0
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
    return float(total)


def triggered_run(stack: AirflowStack, dag_id: str, timeout: float) -> tuple[Any, dict[str, float]]:
    """One run of `dag_id` to its end (refused unless every task succeeded), with trigger -> end and the machine's
    CPU-seconds meanwhile."""
    cpu_before = machine_cpu_seconds()
    run = unpause_trigger_and_wait(stack, dag_id, timeout=timeout)
    machine_cpu = machine_cpu_seconds() - cpu_before
    if run.state != "success":
        failed = sorted(task for task, state in run.task_states.items() if state != "success")
        raise RuntimeError(f"{dag_id} run ended {run.state}; tasks not successful: {failed}")
    return run, {
        "trigger_to_end_seconds": round(run.trigger_to_end_seconds, 1),
        "machine_cpu_seconds": round(machine_cpu, 1),
    }
