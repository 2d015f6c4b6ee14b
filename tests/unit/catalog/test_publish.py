"""Publishing a run's dbt artifacts as a versioned catalog folder, on a local and an in-memory object store."""

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import ObjectStoragePath
from flexlake.catalog.publish import (
    DOCS_FILES,
    LATEST_POINTER,
    catalog_root,
    merge_run_results,
    publish_run,
    read_latest_summary,
    run_key,
    stage_run_results,
    summarize_dbt,
)

RUN_ID = "manual__2026-11-26T16:00:00+00:00"


def _result(unique_id: str, status: str, seconds: float = 1.0) -> dict[str, Any]:
    return {"unique_id": unique_id, "status": status, "execution_time": seconds}


def _run_results(results: list[dict[str, Any]], elapsed: float, invocation: str = "inv-1") -> dict[str, Any]:
    """A run_results.json document as dbt writes it, reduced to the fields publishing reads."""
    return {"metadata": {"invocation_id": invocation}, "results": results, "elapsed_time": elapsed, "args": {}}


def _dbt_project(folder: Path, document: dict[str, Any]) -> Path:
    """A dbt project folder whose target/ holds this run_results.json."""
    (folder / "target").mkdir(parents=True)
    (folder / "target" / "run_results.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def _stage_two_tasks(root: ObjectStoragePath, tmp_path: Path, key: str) -> ObjectStoragePath:
    """Stage the results of two dbt tasks, as two Airflow tasks would; return the staging folder."""
    staging = root / "runs" / key / "run_results"
    first = _run_results(
        [_result("model.flexlake.stg_shop__users", "success", 2.0), _result("test.flexlake.not_null_x", "pass", 0.5)],
        elapsed=3.0,
    )
    second = _run_results(
        [
            _result("model.flexlake.fct_orders", "success", 4.0),
            _result("model.flexlake.dim_customers", "error", 1.0),
            _result("test.flexlake.unique_y", "fail", 0.25),
        ],
        elapsed=5.5,
        invocation="inv-2",
    )
    stage_run_results(_dbt_project(tmp_path / f"{key}-a", first), staging, "stg_shop__users")
    stage_run_results(_dbt_project(tmp_path / f"{key}-b", second), staging, "fct_orders")
    return staging


@pytest.mark.parametrize(
    ("run_id", "expected"),
    [
        (RUN_ID, "manual__2026-11-26T16-00-00-00-00"),
        ("scheduled__2026-01-01T00:00:00+00:00", "scheduled__2026-01-01T00-00-00-00-00"),
        ("asset_triggered__x/y z", "asset_triggered__x-y-z"),
        ("  weird//id  ", "weird-id"),
    ],
)
def test_run_key_makes_a_run_id_a_path_safe_segment(run_id: str, expected: str) -> None:
    """Colons, plus signs, slashes and spaces become dashes; no leading or trailing dash remains."""
    assert run_key(run_id) == expected, f"run_key({run_id!r}) == {run_key(run_id)!r}"


@pytest.mark.parametrize("run_id", ["..", ".", "../../etc", "a/../../b"])
def test_run_key_never_yields_a_segment_that_walks_out_of_the_runs_folder(run_id: str) -> None:
    """Run ids are free text (manual runs via the API), so '.' and '..' must not survive as a segment."""
    key = run_key(run_id)
    assert key not in {"", ".", ".."}, f"run_key({run_id!r}) == {key!r} is not a safe path segment"
    assert "/" not in key, f"run_key({run_id!r}) == {key!r} contains a slash"


def test_catalog_root_puts_the_tenant_under_the_base(tmp_path: Path) -> None:
    """<base>/<tenant_id>, with or without a trailing slash on the base."""
    base = (tmp_path / "catalog").as_uri()
    assert str(catalog_root(base, "acme")) == str(catalog_root(base + "/", "acme")), "trailing slash changes root"
    assert str(catalog_root(base, "acme")).endswith("/catalog/acme"), str(catalog_root(base, "acme"))


def test_staged_results_of_two_tasks_merge_into_one_run_results(root: ObjectStoragePath, tmp_path: Path) -> None:
    """Results are concatenated in task-name order, elapsed times summed, metadata from the first."""
    staging = _stage_two_tasks(root, tmp_path, "run_1")
    merged = merge_run_results(staging)
    unique_ids = [result["unique_id"] for result in merged["results"]]
    assert unique_ids == [
        "model.flexlake.fct_orders",
        "model.flexlake.dim_customers",
        "test.flexlake.unique_y",
        "model.flexlake.stg_shop__users",
        "test.flexlake.not_null_x",
    ], unique_ids
    assert merged["elapsed_time"] == pytest.approx(8.5), f"elapsed {merged['elapsed_time']}"
    assert merged["metadata"] == {"invocation_id": "inv-2"}, merged["metadata"]


def test_a_staging_folder_with_no_results_merges_to_an_empty_list(root: ObjectStoragePath) -> None:
    """No dbt task staged anything (or the folder does not exist): an empty, well-formed run_results."""
    merged = merge_run_results(root / "runs" / "nothing" / "run_results")
    assert merged == {"metadata": {}, "results": [], "elapsed_time": 0.0, "args": {}}, merged


def test_a_dbt_task_without_run_results_stages_nothing_and_warns(
    root: ObjectStoragePath, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A dbt task that wrote no run_results.json leaves staging untouched and logs why."""
    staging = root / "runs" / "run_1" / "run_results"
    with caplog.at_level(logging.WARNING, logger="flexlake.catalog.publish"):
        stage_run_results(tmp_path / "no_target", staging, "stg_shop__users")
    assert not (staging / "stg_shop__users.json").exists(), "something was staged without run_results.json"
    assert "nothing staged for stg_shop__users" in caplog.text, caplog.text


def test_summarize_dbt_counts_statuses_per_resource_type_and_lists_the_slowest() -> None:
    """Models by status, tests by status, total seconds, slowest first and at most ten."""
    results = [_result(f"model.p.m{i}", "success", float(i)) for i in range(12)]
    results += [_result("model.p.broken", "error", 0.5), _result("test.p.t1", "pass"), _result("test.p.t2", "fail")]
    summary = summarize_dbt(_run_results(results, elapsed=0.0))
    assert summary["models"] == {"success": 12, "error": 1}, summary["models"]
    assert summary["tests"] == {"pass": 1, "fail": 1}, summary["tests"]
    assert summary["execution_seconds"] == pytest.approx(sum(range(12)) + 2.5), summary["execution_seconds"]
    assert len(summary["slowest"]) == 10, summary["slowest"]
    assert summary["slowest"][0] == {"unique_id": "model.p.m11", "seconds": 11.0}, summary["slowest"][0]


def test_summarize_dbt_of_no_results_is_all_zero() -> None:
    """An empty run still has a summary an operator can read."""
    summary = summarize_dbt(_run_results([], elapsed=0.0))
    assert summary == {"models": {}, "tests": {}, "execution_seconds": 0, "slowest": []}, summary


def test_publish_run_writes_results_summary_and_docs_then_points_latest_at_the_version(
    root: ObjectStoragePath, tmp_path: Path
) -> None:
    """The version folder holds run_results.json, summary.json with dbt counts, and the docs files."""
    _stage_two_tasks(root, tmp_path, "run_1")
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in DOCS_FILES:
        (docs / name).write_bytes(f"<{name}>".encode())
    target = publish_run(root, "run_1", {"tenant_id": "acme", "state": "success"}, docs)

    version = target.name
    assert version.endswith("__run_1"), f"version {version!r} does not end with the run key"
    assert (root / LATEST_POINTER).read_text() == version, "latest does not point at the new version"
    run_results = json.loads((target / "run_results.json").read_text())
    assert len(run_results["results"]) == 5, run_results
    summary = json.loads((target / "summary.json").read_text())
    assert summary["tenant_id"] == "acme" and summary["state"] == "success", "the caller's summary was lost"
    assert summary["version"] == version, summary["version"]
    assert summary["location"] == str(target), summary["location"]
    assert summary["dbt"]["models"] == {"success": 2, "error": 1}, summary["dbt"]
    assert summary["dbt"]["tests"] == {"pass": 1, "fail": 1}, summary["dbt"]
    for name in DOCS_FILES:
        assert (target / name).read_bytes() == f"<{name}>".encode(), f"{name} was not copied"


def test_publish_run_without_docs_writes_only_results_and_summary(root: ObjectStoragePath) -> None:
    """A starter tenant (no catalog) still gets run_results.json and summary.json, and no docs files."""
    target = publish_run(root, "run_1", {"tenant_id": "acme"}, None)
    names = sorted(path.name for path in target.iterdir())
    assert names == ["run_results.json", "summary.json"], names
    summary = json.loads((target / "summary.json").read_text())
    assert summary["dbt"]["models"] == {} and summary["dbt"]["tests"] == {}, summary["dbt"]


def test_publish_run_copies_only_the_docs_files_that_exist(root: ObjectStoragePath, tmp_path: Path) -> None:
    """A docs folder with manifest.json only: that one file is copied, the missing ones are skipped."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "manifest.json").write_text("{}", encoding="utf-8")
    (docs / "unrelated.txt").write_text("x", encoding="utf-8")
    target = publish_run(root, "run_1", {}, docs)
    names = sorted(path.name for path in target.iterdir())
    assert names == ["manifest.json", "run_results.json", "summary.json"], names


def test_publish_run_writes_the_latest_pointer_last(
    root: ObjectStoragePath, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers follow `latest`; it is written only after every file of the version."""
    written: list[str] = []
    original_text, original_bytes = ObjectStoragePath.write_text, ObjectStoragePath.write_bytes

    def record_text(self: ObjectStoragePath, *args: Any, **kwargs: Any) -> Any:
        written.append(self.name)
        return original_text(self, *args, **kwargs)

    def record_bytes(self: ObjectStoragePath, *args: Any, **kwargs: Any) -> Any:
        written.append(self.name)
        return original_bytes(self, *args, **kwargs)

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.html").write_text("<html/>", encoding="utf-8")
    monkeypatch.setattr(ObjectStoragePath, "write_text", record_text)
    monkeypatch.setattr(ObjectStoragePath, "write_bytes", record_bytes)
    publish_run(root, "run_1", {}, docs)
    assert written[-1] == LATEST_POINTER, f"write order: {written}"
    assert {"run_results.json", "summary.json", "index.html"} <= set(written[:-1]), f"write order: {written}"


def test_read_latest_summary_returns_the_published_summary(root: ObjectStoragePath) -> None:
    """What publish_run wrote is what the UI reads back through `latest`."""
    target = publish_run(root, "run_1", {"tenant_id": "acme"}, None)
    summary = read_latest_summary(root)
    assert summary is not None, "no summary after publishing"
    assert summary == json.loads((target / "summary.json").read_text()), summary


def test_read_latest_summary_is_none_before_any_publish(root: ObjectStoragePath) -> None:
    """A tenant that never published has no summary, not an error."""
    assert read_latest_summary(root) is None, "a summary appeared from nowhere"


def test_a_second_publish_moves_latest_and_keeps_the_first_version(root: ObjectStoragePath) -> None:
    """Versions accumulate; `latest` follows the newest."""
    first = publish_run(root, "run_1", {"run": 1}, None)
    second = publish_run(root, "run_2", {"run": 2}, None)
    assert first.name != second.name, f"both publishes wrote {first.name}"
    assert (root / LATEST_POINTER).read_text() == second.name, "latest did not move to the second version"
    summary = read_latest_summary(root)
    assert summary is not None and summary["run"] == 2, summary
    assert (first / "summary.json").exists(), "the first version was removed"


def test_a_node_retried_after_the_build_keeps_its_latest_result(root: ObjectStoragePath, tmp_path: Path) -> None:
    """The run's dbt build failed a model and skipped its child; clearing the model's task built both again: the
    merged results hold each node once, as it ended (the retry), and keep nodes only the build ran."""
    staging = root / "runs" / "retry" / "run_results"

    def timed(unique_id: str, status: str, completed_at: str | None) -> dict[str, Any]:
        timing = [{"name": "execute", "started_at": completed_at, "completed_at": completed_at}] if completed_at else []
        return {**_result(unique_id, status), "timing": timing}

    build = [
        timed("model.flexlake.stg_orders", "success", "2026-12-06T10:00:01Z"),
        timed("model.flexlake.fct_orders", "error", "2026-12-06T10:00:02Z"),
        timed("model.flexlake.mart_revenue_daily", "skipped", None),
    ]
    retries = {
        "dbt_transform.fct_orders.run": [timed("model.flexlake.fct_orders", "success", "2026-12-06T10:05:00Z")],
        "dbt_transform.mart_revenue_daily.run": [
            timed("model.flexlake.mart_revenue_daily", "success", "2026-12-06T10:05:09Z")
        ],
    }
    stage_run_results(_dbt_project(tmp_path / "build", _run_results(build, 3.0)), staging, "dbt_build")
    for task_id, results in retries.items():
        stage_run_results(_dbt_project(tmp_path / task_id, _run_results(results, 1.0)), staging, task_id)
    merged = {result["unique_id"]: result["status"] for result in merge_run_results(staging)["results"]}
    assert merged == {
        "model.flexlake.stg_orders": "success",
        "model.flexlake.fct_orders": "success",
        "model.flexlake.mart_revenue_daily": "success",
    }, merged
