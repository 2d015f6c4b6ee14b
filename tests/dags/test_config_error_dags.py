"""Error DAGs: one per bad file, with an id and tags Airflow accepts, never replacing a real tenant's DAG, and the
factory never raising whatever the folder holds (issue 12, items 1 and 3)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.sdk import DAG
from airflow.sdk.definitions._internal.node import validate_key
from airflow.sdk.definitions.dag import TAG_MAX_LEN
from airflow.sdk.exceptions import AirflowFailException
from airflow.timetables.base import TimeRestriction
from airflow.timetables.trigger import CronTriggerTimetable
from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory import tenant_dag as tenant_dag_module
from flexlake.dag_factory.dag_docs import MAX_DESCRIPTION_CHARS
from flexlake.dag_factory.tenant_dag import CONFIG_ERROR_TAG
from flexlake.tenant_config.schedule import schedule_problem

GOOD = (
    "tenant_id: {tenant_id}\ndisplay_name: T\ntier: starter\nwarehouse: {{type: duckdb}}\n"
    "sources: [{{system: faker, name: shop}}]\n"
)


def _error_dags(dags: dict[str, DAG]) -> dict[str, DAG]:
    """The config-error DAGs among built DAGs."""
    return {dag_id: dag for dag_id, dag in dags.items() if CONFIG_ERROR_TAG in dag.tags}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """One good tenant (bluebird_books) and hostile files around it."""
    (tmp_path / "bluebird_books.yaml").write_text(GOOD.format(tenant_id="bluebird_books"), encoding="utf-8")
    (tmp_path / "Bluebird-Books.yaml").write_text(GOOD.format(tenant_id="bluebird_books"), encoding="utf-8")
    (tmp_path / "aaa.yaml").write_bytes(b"\xff\xfe")
    (tmp_path / "complex.yaml").write_text("? [a, b]\n: 1\n", encoding="utf-8")
    (tmp_path / f"{'long_' * 45}name.yaml").write_text("tier: [\n", encoding="utf-8")
    return tmp_path


def test_every_bad_file_is_one_valid_error_dag_and_the_good_tenant_keeps_its_dag(folder: Path) -> None:
    """Bluebird-Books.yaml does not replace bluebird_books; ids and tags are valid for Airflow, whatever the name."""
    dags = build_tenant_dags(folder)
    assert CONFIG_ERROR_TAG not in dags["flexlake__bluebird_books"].tags, "the good tenant became an error DAG"
    errors = _error_dags(dags)
    assert len(errors) == 4 and len(dags) == 5, sorted(dags)
    for dag_id, dag in dags.items():
        validate_key(dag_id)
        assert all(len(tag) <= TAG_MAX_LEN for tag in dag.tags), f"{dag_id}: {dag.tags}"
    assert "flexlake__aaa" in errors and "flexlake__complex" in errors, sorted(errors)
    renamed = [dag_id for dag_id in errors if dag_id.startswith("flexlake__invalid.bluebird_books.")]
    assert len(renamed) == 1, f"Bluebird-Books.yaml has no distinct error DAG: {sorted(errors)}"
    assert "Bluebird-Books.yaml" in (errors[renamed[0]].description or ""), errors[renamed[0]].description


def test_an_invalid_file_is_unmistakable_in_the_dag_list_and_its_trigger_fails_with_the_full_error(
    tmp_path: Path,
) -> None:
    """Display name and description start with INVALID and the description holds the problems; the one task fails
    on its first try (no retry) with every problem line."""
    bad = GOOD.format(tenant_id="typo_shop").replace("display_name:", "dispaly_name:").replace("starter", "gold")
    (tmp_path / "typo_shop.yaml").write_text(bad, encoding="utf-8")
    dag = build_tenant_dags(tmp_path)["flexlake__typo_shop"]
    assert dag.dag_display_name.startswith("INVALID") and "typo_shop.yaml" in dag.dag_display_name, dag.dag_display_name
    description = dag.description or ""
    assert description.startswith("INVALID"), description
    for expected in ("dispaly_name", "Did you mean 'display_name'?", "tier", "gold"):
        assert expected in description, f"{expected!r} missing from the description {description!r}"
    task = dag.get_task("config_error")
    assert task.retries == 0, "a trigger must fail at once, not after retries"
    with pytest.raises(AirflowFailException) as failure:
        task.python_callable()  # type: ignore[union-attr]
    assert "dispaly_name" in str(failure.value) and "gold" in str(failure.value), str(failure.value)
    assert "flexlake validate" in str(failure.value), "the task's error must say how to check the fix"


def test_a_long_list_of_problems_keeps_the_description_bounded(tmp_path: Path) -> None:
    """Twenty problems fit the DAG docs; the description is cut with a pointer to them."""
    fields = "".join(f"unknown_field_{n}: {n}\n" for n in range(25))
    (tmp_path / "noisy.yaml").write_text(GOOD.format(tenant_id="noisy") + fields, encoding="utf-8")
    dag = build_tenant_dags(tmp_path)["flexlake__noisy"]
    description = dag.description or ""
    assert description.startswith("INVALID") and len(description) <= MAX_DESCRIPTION_CHARS, len(description)
    assert description.endswith("(the full list in the DAG docs)"), description
    assert "unknown_field_24" in (dag.doc_md or "") or "more problems" in (dag.doc_md or ""), dag.doc_md


def test_error_dag_ids_are_the_same_at_every_parse(folder: Path) -> None:
    """Deterministic ids: a DAG's history and its UI page survive re-parses."""
    assert sorted(build_tenant_dags(folder)) == sorted(build_tenant_dags(folder))


def test_a_task_parse_for_an_error_dag_builds_only_that_dag(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With Airflow's parsing context naming one DAG, only that one is built (no Cosmos render for the others)."""

    class _Context:
        dag_id = "flexlake__aaa"

    monkeypatch.setattr(tenant_dag_module, "get_parsing_context", _Context)
    assert list(build_tenant_dags(folder)) == ["flexlake__aaa"]


def test_a_tenant_whose_dag_build_fails_gets_an_error_dag_under_its_own_id(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception while wiring one tenant's DAG (a bug, a missing manifest) is that tenant's error DAG."""

    def fail(*_args: object) -> None:
        raise RuntimeError("password=hunter2 in a driver message")

    monkeypatch.setattr(tenant_dag_module, "build_tenant_dag", fail)
    dag = build_tenant_dags(folder)["flexlake__bluebird_books"]
    assert CONFIG_ERROR_TAG in dag.tags and "RuntimeError" in (dag.doc_md or ""), dag.doc_md
    assert "hunter2" not in (dag.doc_md or ""), "a secret in an exception message reached the DAG docs"


def test_the_dag_files_log_never_carries_a_pasted_password(folder: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A URI with a password as connection_id is logged redacted, like validate and the error DAG's docs show it."""
    (folder / "leaky.yaml").write_text(
        GOOD.format(tenant_id="leaky").replace(
            "{type: duckdb}", "{type: postgres, connection_id: 'postgresql://admin:hunter2@db/prod', database: db}"
        ),
        encoding="utf-8",
    )
    with caplog.at_level("DEBUG"):
        dag = build_tenant_dags(folder)["flexlake__leaky"]
    assert "postgresql://admin:***@db/prod" in caplog.text, caplog.text[-2000:]
    assert "hunter2" not in caplog.text + (dag.doc_md or "") + (dag.description or ""), "the password was echoed"


@pytest.mark.parametrize(
    "schedule",
    [
        "@daily",
        "@weekly",
        "@quarterly",
        "0 6 * * *",
        "0 0 * * 7",
        "0 0 ? * *",
        "0 0 L * *",
        "0 0 * * 1#2",
        "0 0 1W * *",
    ],
)
def test_every_schedule_the_loader_accepts_is_one_airflows_timetable_runs(schedule: str) -> None:
    """The loader's cron check agrees with Airflow's timetable: what passes validate gets a next run."""
    assert schedule_problem(schedule, "starter") is None, schedule
    timetable = CronTriggerTimetable(schedule, timezone="UTC")
    restriction = TimeRestriction(earliest=datetime(2026, 1, 1, tzinfo=UTC), latest=None, catchup=False)
    assert timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction), schedule


@pytest.mark.parametrize("schedule", ["every tuesday", "0 0 R * *", "0 0 * * 5L", "*/5 * * * * *", "0 0 30 2 *"])
def test_schedules_airflow_would_reject_or_randomise_are_refused(schedule: str) -> None:
    """Unparseable, random (R: another time at every parse), seconds fields, and never-firing dates."""
    assert schedule_problem(schedule, "enterprise"), schedule
