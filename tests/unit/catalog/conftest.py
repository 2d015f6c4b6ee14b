"""The catalog root every catalog test runs on: file:// and fsspec's memory:// (standing in for s3:// etc.)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest
from airflow.sdk import ObjectStoragePath
from flexlake.catalog.publish import catalog_root

MEMORY_PREFIX = "flexlake-tests-"


@pytest.fixture(params=["file", "memory"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStoragePath]:
    """A tenant's catalog root on file:// and on fsspec's memory:// store.

    memory:// stands in for s3:// and other remote stores: ObjectStoragePath reaches every one of them
    through fsspec, so the same calls (mkdir, iterdir, write_text, exists) are exercised without a network.
    """
    memory_folder = f"/{MEMORY_PREFIX}{uuid.uuid4().hex}"
    base = (tmp_path / "catalog").as_uri() if request.param == "file" else f"memory:/{memory_folder}"
    yield catalog_root(base, "acme")
    # The memory store is process-wide: drop this test's folder. Airflow's filesystem registry (behind
    # ObjectStoragePath.fs) does not list memory://, so this goes to fsspec directly.
    store = fsspec.filesystem("memory")
    if request.param == "memory" and store.exists(memory_folder):
        store.rm(memory_folder, recursive=True)
