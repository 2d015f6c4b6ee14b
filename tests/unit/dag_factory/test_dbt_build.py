"""The per-model tasks of a one-build run: what each shows and when it runs dbt itself (dag_factory/dbt_build.py).

The build's real dbt run is exercised end to end in tests/integration/test_tenant_dag_runs.py; here the task's
decision is checked against every outcome a node can have in the build, with a recording stand-in for the dbt
call it would make itself.
"""

from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException
from flexlake.dag_factory import dbt_operator
from flexlake.dag_factory.dbt_build import reports_by_task
from flexlake.dag_factory.dbt_operator import DbtNodeReportOperator, dbt_node_task
from flexlake.dag_factory.dbt_reports import BUILD_TASK_ID, report_key
from flexlake.tenant_config import load_tenant_config

TASK_ID = "fct_orders_run"


class _TaskInstance:
    """What the report task reads from the Task SDK: the build's XCom and its own attempt."""

    def __init__(self, reports: list[dict[str, Any]] | None, try_number: int) -> None:
        self.reports = reports
        self.try_number = try_number

    def xcom_pull(self, *, task_ids: str, key: str) -> list[dict[str, Any]] | None:
        assert (task_ids, key) == (BUILD_TASK_ID, report_key(TASK_ID)), (task_ids, key)
        return self.reports


def _report(status: str, build_try_number: int = 1, message: str = "") -> dict[str, Any]:
    return {
        "unique_id": "model.flexlake.fct_orders",
        "name": "fct_orders",
        "status": status,
        "message": message,
        "execution_time": 1.25,
        "started_at": "2026-12-06T10:00:00",
        "completed_at": "2026-12-06T10:00:01",
        "log": ["10:00:00 1 of 9 START sql incremental model main.fct_orders"],
        "build_try_number": build_try_number,
    }


@pytest.fixture
def report_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[DbtNodeReportOperator, list[str]]:
    """A report task whose own dbt call only records that it happened."""
    path = tmp_path / "shop.yaml"
    path.write_text(
        "tenant_id: shop\ndisplay_name: S\ntier: starter\n"
        "warehouse: {type: postgres, connection_id: pg, database: db}\nsources: [{system: faker, name: shop}]\n"
    )
    built: list[str] = []
    monkeypatch.setattr(dbt_operator.DbtNodeOperator, "execute", lambda self, context: built.append(self.select))
    task = dbt_node_task(
        task_id=TASK_ID,
        tenant=load_tenant_config(path),
        command="run",
        select="fct_orders",
        operator_class=DbtNodeReportOperator,
    )
    assert isinstance(task, DbtNodeReportOperator)
    return task, built


def _execute(task: DbtNodeReportOperator, reports: list[dict[str, Any]] | None, try_number: int = 1) -> None:
    task.execute({"ti": _TaskInstance(reports, try_number)})  # type: ignore[typeddict-item]


def test_a_node_the_build_built_succeeds_without_running_dbt(report_task: Any) -> None:
    task, built = report_task
    _execute(task, [_report("success")])
    assert built == [], "a model the build built must not be built again"


@pytest.mark.parametrize("status", ["pass", "warn"])
def test_passing_or_warning_tests_succeed_without_running_dbt(report_task: Any, status: str) -> None:
    task, built = report_task
    _execute(task, [_report(status)])
    assert built == []


@pytest.mark.parametrize("status", ["error", "fail"])
def test_a_node_the_build_failed_fails_its_task_with_dbts_message(report_task: Any, status: str) -> None:
    task, built = report_task
    with pytest.raises(AirflowException, match=r"fct_orders .*relation \"raw\.orders\" does not exist"):
        _execute(task, [_report(status, message='relation "raw.orders" does not exist')])
    assert built == [], "the first report of a failure must not re-run the model (no hidden double cost)"


def test_a_retry_of_a_failed_node_runs_that_node_itself(report_task: Any) -> None:
    """An automatic retry, or a user clearing the task: attempt 2 of the task, attempt 1 of the build."""
    task, built = report_task
    _execute(task, [_report("error")], try_number=2)
    assert built == ["fct_orders"]


def test_clearing_the_whole_run_reports_the_new_build_again(report_task: Any) -> None:
    """Build and task both on attempt 2: the build ran again, so its failure is reported, not rebuilt."""
    task, built = report_task
    with pytest.raises(AirflowException):
        _execute(task, [_report("error", build_try_number=2)], try_number=2)
    assert built == []


@pytest.mark.parametrize("status", ["skipped", "not_run"])
def test_a_node_the_build_did_not_reach_is_built_by_its_task(report_task: Any, status: str) -> None:
    """dbt skipped it (an upstream failed, then was retried green) or returned nothing for it."""
    task, built = report_task
    _execute(task, [_report(status)])
    assert built == ["fct_orders"]


def test_no_report_at_all_builds_the_node(report_task: Any) -> None:
    task, built = report_task
    _execute(task, None)
    assert built == ["fct_orders"]


def test_every_report_task_gets_an_entry_per_node_even_one_dbt_never_returned() -> None:
    results = {"model.flexlake.a": {"unique_id": "model.flexlake.a", "status": "success", "log": []}}
    reports = reports_by_task(results, {"g.a.run": ("model.flexlake.a",), "g.a.test": ("test.flexlake.t",)})
    assert [r["status"] for r in reports["g.a.run"]] == ["success"]
    assert reports["g.a.test"] == [{"unique_id": "test.flexlake.t", "status": "not_run", "message": "", "log": []}]
    reports["g.a.run"][0]["status"] = "changed"
    assert results["model.flexlake.a"]["status"] == "success", "reports are copies"
