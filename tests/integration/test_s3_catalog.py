"""s3:// catalogs through the amazon provider (issue 15 item 3, issue 18 item 5): publish, read back, prune.

The catalog functions run unchanged on an `ObjectStoragePath("s3://...", conn_id=...)`: the provider's filesystem
(s3fs) takes the endpoint from the `aws` connection's extra, here moto's S3 server on a free loopback port
(tests/integration/airflow_servers.moto_s3_server). What landed in the bucket is checked with boto3 directly, so the
layout is the store's, not the code's own view of it. The portal's pages on an s3 catalog through the real
api-server are in test_tenant_access.py (its FAB server reads its catalogs from moto). Cost: ~4 s.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flexlake import settings
from flexlake.catalog import CatalogRetention, catalog_root, prune_catalog, read_latest_summary
from flexlake.portal import reads
from flexlake.portal.console_audit import AuditRecord, newest_records, write_record

from tests.integration.airflow_servers import MotoS3, moto_s3_server
from tests.unit.portal.catalog_samples import SampleRun, docs_marker, publish_sample_runs

pytestmark = pytest.mark.integration

CONN_ID = "flexlake_s3_catalog_test"
BUCKET = "flexlake-catalog"
RUNS = [SampleRun("scheduled__2026-12-06T10:00:00+00:00", 100, 40), SampleRun("manual__b", 250, 90, 1)]


@pytest.fixture(scope="module")
def s3() -> Iterator[MotoS3]:
    """moto's S3 server, and the Airflow connection to it in the environment (as a deployment's secret would be)."""
    with moto_s3_server(BUCKET) as store, pytest.MonkeyPatch.context() as patch:
        patch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", store.connection_json())
        yield store


def test_a_run_published_to_s3_reads_back_through_the_portal(s3: MotoS3, tmp_path: Path) -> None:
    """Versions, summaries, docs and `latest` land under the tenant's key prefix and read back as published."""
    root = catalog_root(f"s3://{BUCKET}/catalogs", "acme", CONN_ID)
    versions = publish_sample_runs(root, tmp_path, "acme", RUNS)
    keys = s3.keys("catalogs/")
    assert "catalogs/acme/latest" in keys
    for version in versions:
        assert f"catalogs/acme/{version}/summary.json" in keys, keys
        assert f"catalogs/acme/{version}/static_index.html" in keys, keys
    assert all(key.startswith("catalogs/acme/") for key in keys), keys
    summary = read_latest_summary(root)
    assert summary is not None and summary["version"] == versions[-1]
    # Airflow's ObjectStoragePath form names the connection, so the location reopens with the same credentials.
    assert summary["location"] == f"s3://{CONN_ID}@{BUCKET}/catalogs/acme/{versions[-1]}"
    assert reads.versions(root) == list(reversed(versions))
    assert [row.rows_synced for row in reads.runs(root)] == [140, 340]
    docs = reads.docs_html(root, versions[0])
    assert docs is not None and docs_marker("acme").encode() in docs
    latest = reads.latest_run(root)
    assert latest is not None and latest.tests_with("fail") == 1


def test_retention_prunes_old_versions_from_s3(s3: MotoS3, tmp_path: Path) -> None:
    """Keeping one run deletes the older version's objects and its staged run_results from the bucket."""
    root = catalog_root(f"s3://{BUCKET}/pruned", "acme", CONN_ID)
    versions = publish_sample_runs(root, tmp_path, "acme", RUNS)
    staged_before = [key for key in s3.keys("pruned/acme/runs/") if key.endswith(".json")]
    assert len({key.split("/")[3] for key in staged_before}) == 2, staged_before
    assert prune_catalog(root, CatalogRetention(keep_runs=1, keep_days=30)) == [versions[0]]
    keys = s3.keys("pruned/")
    assert not [key for key in keys if versions[0] in key], keys
    assert f"pruned/acme/{versions[1]}/summary.json" in keys
    latest = s3.client().get_object(Bucket=BUCKET, Key="pruned/acme/latest")["Body"].read().decode()
    assert latest == versions[1], "the version `latest` names is kept"


def test_the_portal_sees_what_another_process_wrote_since_its_last_read(
    s3: MotoS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API server keeps one s3 filesystem, whose listings s3fs caches forever: a version a task published and an
    audit record another API-server process wrote (both put here with boto3, behind the filesystem's back) show at
    the portal's next read of the tenant."""
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", f"s3://{BUCKET}/fresh")
    monkeypatch.setattr(settings, "CATALOG_CONN_ID", CONN_ID)
    versions = publish_sample_runs(reads.tenant_root("acme"), tmp_path, "acme", RUNS[:1])
    record = AuditRecord("bob", "acme", "select 1", "ok", 1, 0.1)
    write_record(reads.tenant_root("acme"), record, now=datetime(2026, 12, 7, 8, 0, tzinfo=UTC))
    assert reads.versions(reads.tenant_root("acme")) == versions
    assert [r["user"] for r in newest_records({"acme": reads.tenant_root("acme")}, 10)] == ["bob"]
    later = "20991231T000000Z__manual__later"
    client = s3.client()
    client.put_object(Bucket=BUCKET, Key=f"fresh/acme/{later}/summary.json", Body=b"{}")
    other = AuditRecord("carol", "acme", "select 2", "ok", 1, 0.1).as_json().encode()
    client.put_object(
        Bucket=BUCKET, Key="fresh/acme/audit/sql_console/2026-12-07/090000000000Z-other.jsonl", Body=other
    )
    assert reads.versions(reads.tenant_root("acme")) == [later, *versions]
    assert [r["user"] for r in newest_records({"acme": reads.tenant_root("acme")}, 10)] == ["carol", "bob"]
