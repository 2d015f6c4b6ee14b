"""The portal's catalog reads and pages over versions written by the real publish functions (file:// and memory://)."""

from datetime import UTC, datetime
from pathlib import Path

import fsspec
import pytest
from airflow.sdk import ObjectStoragePath
from flexlake.catalog.publish import catalog_root
from flexlake.portal import reads
from flexlake.portal.pages import InvalidTenantFile, TenantRow, catalog_page, runs_page, tenants_page
from flexlake.portal.paths import PathRefused

from tests.unit.portal.catalog_samples import SampleRun, docs_marker, publish_sample_runs

RUNS = [SampleRun("scheduled__2026-12-06T10:00:00+00:00", 100, 40), SampleRun("manual__<b>x</b>", 250, 90, 2)]


@pytest.fixture(scope="module", params=["file", "memory"])
def published(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ObjectStoragePath, list[str]]:
    """Two runs published once per module, on the local disk and on fsspec's memory store (standing in for s3://)."""
    scratch = tmp_path_factory.mktemp("portal_reads")
    if request.param == "file":
        base = (scratch / "catalog").as_uri()
    else:
        folder = f"/flexlake-portal-tests-{scratch.name}"
        request.addfinalizer(lambda: fsspec.filesystem("memory").rm(folder, recursive=True))
        base = f"memory:/{folder}"
    root = catalog_root(base, "acme")
    return root, publish_sample_runs(root, scratch / "scratch", "acme", RUNS)


def test_runs_read_every_published_summary_oldest_first(published: tuple[ObjectStoragePath, list[str]]) -> None:
    """Rows per stream, models, tests and durations come from each version's summary.json."""
    root, versions = published
    rows = reads.runs(root)
    assert [row.version for row in rows] == versions
    assert [row.rows_synced for row in rows] == [140, 340]
    assert rows[1].models == {"success": 2}
    assert (rows[1].tests_with("pass"), rows[1].tests_with("warn"), rows[1].tests_with("fail")) == (1, 1, 2)
    assert rows[0].sync_seconds == 3.5
    assert rows[0].location.endswith(versions[0]), rows[0].location
    assert rows[0].freshness is None, "the summaries record no extraction time: freshness is not invented"


def test_the_latest_version_and_its_docs_are_read(published: tuple[ObjectStoragePath, list[str]]) -> None:
    """`latest` names the newest version; its static docs page is returned as published."""
    root, versions = published
    assert reads.latest_version(root) == versions[-1]
    docs = reads.docs_html(root, versions[0])
    assert docs is not None and docs_marker("acme").encode() in docs
    latest = reads.latest_run(root)
    assert latest is not None and latest.version == versions[-1]


def test_versions_are_the_version_folder_names_newest_first(tmp_path: Path) -> None:
    """The picker's list is one listing of folder names: no summary is read, `runs/`, `latest` and strays skipped."""
    root = catalog_root(tmp_path.as_uri(), "acme")
    published = publish_sample_runs(root, tmp_path / "scratch", "acme", RUNS)
    (root / published[0] / "summary.json").unlink()  # a names-only listing does not need it
    (root / "not_a_version").mkdir()
    (root / "20261206T100000Z__..").mkdir()
    assert reads.versions(root) == list(reversed(published))
    assert reads.versions(catalog_root(tmp_path.as_uri(), "never_ran")) == []


def test_a_missing_catalog_reads_as_no_runs(tmp_path: Path) -> None:
    """A tenant that never published has no runs and no latest version (not an error)."""
    root = catalog_root(tmp_path.as_uri(), "never_ran")
    assert reads.runs(root) == []
    assert reads.latest_version(root) is None


def test_a_catalog_with_a_link_out_of_the_tenant_is_not_read(tmp_path: Path) -> None:
    """One symlink to another tenant's version makes the run reader refuse the whole prefix."""
    beta = catalog_root(tmp_path.as_uri(), "beta")
    beta_version = publish_sample_runs(beta, tmp_path / "scratch", "beta", RUNS[:1])[0]
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / beta_version).symlink_to(tmp_path / "beta" / beta_version)
    with pytest.raises(PathRefused, match=beta_version):
        reads.runs(catalog_root(tmp_path.as_uri(), "acme"))


def test_the_runs_page_shows_a_chart_and_escaped_rows(published: tuple[ObjectStoragePath, list[str]]) -> None:
    """One SVG bar per run (red when a test failed), the table newest first, run ids escaped."""
    root, _ = published
    html = runs_page("acme", reads.runs(root))
    assert html.count("<rect") == 2
    assert 'fill="#c53030"' in html and 'fill="#3182ce"' in html
    assert "manual__&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert html.index("manual__") < html.index("scheduled__"), "newest run first in the table"
    assert "shop.users: 250" in html and "1 / 1 / 2" in html
    assert "SQL console" not in html


def test_the_runs_page_links_the_console_of_a_tenant_that_has_one() -> None:
    """The console has no tab: an enterprise tenant's Run history links it (relative: .../dags/<dag_id>/console)."""
    assert '<a href="console">SQL console</a>' in runs_page("acme", [], has_console=True)
    assert "console" not in runs_page("acme", [], has_console=False)


def test_the_catalog_page_lists_versions_and_frames_the_selected_docs(
    published: tuple[ObjectStoragePath, list[str]],
) -> None:
    """The picker lists every version, latest first; the docs frame is sandboxed and points at the version."""
    _, versions = published
    html = catalog_page("acme", list(reversed(versions)), versions[0], has_docs=True)
    assert html.index(versions[1]) < html.index(versions[0])
    assert f'src="catalog/{versions[0]}/docs"' in html
    assert 'sandbox="allow-scripts"' in html and "allow-same-origin" not in html


def test_the_catalog_page_says_when_nothing_is_published() -> None:
    """No version yet: a sentence, no frame."""
    html = catalog_page("acme", [], None, has_docs=False)
    assert "No catalog published yet" in html and "<iframe" not in html


def test_the_tenants_page_escapes_everything_and_lists_invalid_files() -> None:
    """Tenant names and loader problems are shown escaped; an invalid file gets its own section."""
    row = TenantRow("acme", "<script>alert(1)</script>", "starter", "duckdb", "@daily", "success", None, None)
    html = tenants_page([row], [InvalidTenantFile("acme.yaml", ("tier: 'gold' is not one of ...",))])
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Tenant files that fail validation" in html and "tier: &#x27;gold&#x27;" in html


def test_a_runs_freshness_is_the_newest_extraction_its_freshness_check_read() -> None:
    """The run summary's `freshness.newest` (flexlake.freshness) is the run's data freshness, over any sync time."""
    summary = {
        "freshness": {"newest": "2026-12-07T01:00:00+00:00", "sources": {}},
        "ingestion": {"shop": {"source_name": "shop", "streams": [], "finished_at": "2026-12-07T02:00:00+00:00"}},
    }
    row = reads._run_row(datetime(2026, 12, 7, 2, 5, tzinfo=UTC), summary)
    assert row.freshness == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    del summary["freshness"]
    assert reads._run_row(datetime(2026, 12, 7, 2, 5, tzinfo=UTC), summary).freshness == datetime(
        2026, 12, 7, 2, 0, tzinfo=UTC
    ), "without a freshness check, the sync's end"
