"""Fuzzing the tenant boundary: thousands of mutated tenant files (tenant_file_mutations.py, seeded) through the
loader and the error-DAG path, and a sample of them through build_tenant_dags next to the real tenants.

What must hold: no exception escapes; every bad file is exactly one error DAG naming the file, the field and
the fix; every good tenant's DAG is still built; no file costs more than 1 s or 100 MB; no pasted secret shows.
"""

import re
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from airflow.sdk.definitions._internal.node import validate_key
from airflow.sdk.definitions.dag import TAG_MAX_LEN
from flexlake import settings
from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.tenant_dag import CONFIG_ERROR_TAG, build_config_error_dag
from flexlake.tenant_config import TenantConfigError, load_tenant_config, tenant_files
from flexlake.tenant_config.errors import SCHEMA_HINT

from tests.dags.tenant_file_mutations import SECRET, mutated_files

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tenant_configs"
SEED = 20261206
FILE_COUNT = 2000
DAG_SAMPLE = 40
# The demo tenants without an overlay: their DAGs need only the product's manifest (an overlay's own manifest
# goes stale whenever include/dbt changes until `make manifest`; test_dag_integrity covers that tenant).
GOOD_TENANTS = ("acme_outdoor", "bluebird_books")
MAX_SECONDS = 1.0
MAX_BYTES = 100 * 1024 * 1024
# A problem names its field (`dbt.vars.x: ...`) or is about the file as a whole.
_NAMES_FIELD_OR_FILE = re.compile(
    r"^(\S[^\n]{0,250}?: |the file |not valid YAML|YAML aliases|a value cannot be read|the YAML is nested|"
    r"cannot read the file|\.\.\. and \d+ more)"
)


def _seeds() -> dict[str, bytes]:
    """Every real tenant file: the demo tenants, the documented example and the test fixtures."""
    paths = [*settings.TENANT_CONFIGS_DIR.glob("*.yaml"), *FIXTURES.glob("*/*.yaml")]
    return {path.name: path.read_bytes() for path in sorted(paths)}


@pytest.fixture(scope="module")
def tenant_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of tenant_configs/ (overlays with their manifests) the fuzzed files are written into."""
    folder = tmp_path_factory.mktemp("fuzz") / "tenant_configs"
    ignored = shutil.ignore_patterns("logs", "compiled", "run", "partial_parse.msgpack", "semantic_manifest.json")
    shutil.copytree(settings.TENANT_CONFIGS_DIR, folder, ignore=ignored)
    return folder


def _check_error(error: TenantConfigError, path: Path) -> None:
    """One error DAG naming the file, each problem naming a field (or the file), the fix, no secret."""
    text = str(error)
    assert error.path == path, f"{path.name}: the error names {error.path}"
    assert text.startswith(f"{path} is invalid:") and text.endswith(SCHEMA_HINT), text[:300]
    assert SECRET not in text, f"{path.name}: a pasted password is echoed"
    assert error.problems and len(text) < 12_000, f"{path.name}: {len(text)} characters of error"
    for problem in error.problems:
        assert _NAMES_FIELD_OR_FILE.match(problem), f"{path.name}: names no field: {problem[:200]!r}"
    dag = build_config_error_dag(error, f"flexlake__invalid.{path.stem[:60]}.00000000")
    validate_key(dag.dag_id)
    assert all(len(tag) <= TAG_MAX_LEN for tag in dag.tags), dag.tags
    assert CONFIG_ERROR_TAG in dag.tags and dag.schedule is None and "## Fix" in (dag.doc_md or ""), dag.dag_id
    assert SECRET not in (dag.doc_md or "") + (dag.description or ""), "a pasted password is in the DAG docs"


def test_thousands_of_mutated_files_never_escape_the_loader_and_each_costs_under_a_second_and_100_mb(
    tenant_folder: Path,
) -> None:
    """2,000 seeded mutations: only TenantConfigError (or a config) comes back, bounded in time and memory."""
    worst_seconds, worst_bytes, invalid = 0.0, 0, 0
    started = time.perf_counter()
    for name, content in mutated_files(_seeds(), FILE_COUNT, SEED):
        path = tenant_folder / name.split("_", 1)[1]  # the seed's own name: a kept tenant_id still matches
        path.write_bytes(content)
        tracemalloc.start()
        began = time.perf_counter()
        try:
            load_tenant_config(path)
        except TenantConfigError as error:
            invalid += 1
            _check_error(error, path)
        finally:
            seconds = time.perf_counter() - began
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert seconds <= MAX_SECONDS, f"{name} took {seconds:.2f} s"
        assert peak <= MAX_BYTES, f"{name} took {peak / 2**20:.0f} MB"
        worst_seconds, worst_bytes = max(worst_seconds, seconds), max(worst_bytes, peak)
    total = time.perf_counter() - started
    print(
        f"fuzz: {FILE_COUNT} files, {invalid} invalid, worst {worst_seconds:.3f} s / {worst_bytes / 2**20:.1f} MB, "
        f"total {total:.1f} s"
    )
    assert invalid > FILE_COUNT // 2, f"only {invalid} of {FILE_COUNT} mutations were invalid: the mutator is too weak"


def test_a_sample_of_bad_files_each_becomes_one_error_dag_and_every_good_tenant_keeps_its_dag(
    tenant_folder: Path,
) -> None:
    """Two real tenants plus 40 fuzzed files in one folder: 2 tenant DAGs, 40 error DAGs, nothing raised."""
    for stale in tenant_files(tenant_folder):
        stale.unlink()
    for tenant_id in GOOD_TENANTS:
        shutil.copy(settings.TENANT_CONFIGS_DIR / f"{tenant_id}.yaml", tenant_folder / f"{tenant_id}.yaml")
    bad_names = set()
    for name, content in mutated_files(_seeds(), DAG_SAMPLE, SEED + 1):
        bad = f"fuzz_{name}"  # never equal to a tenant_id: invalid whatever the mutation kept
        (tenant_folder / bad).write_bytes(content)
        bad_names.add(bad)
    dags = build_tenant_dags(tenant_folder)
    good = {f"flexlake__{tenant_id}" for tenant_id in GOOD_TENANTS}
    errors = {dag_id: dag for dag_id, dag in dags.items() if CONFIG_ERROR_TAG in dag.tags}
    assert good <= set(dags) and not good & set(errors), f"a good tenant lost its DAG: {sorted(good - set(dags))}"
    assert len(errors) == DAG_SAMPLE and len(dags) == len(good) + DAG_SAMPLE, f"{len(errors)} error DAGs"
    named = sorted(next(name for name in bad_names if name in (dag.description or "")) for dag in errors.values())
    assert named == sorted(bad_names), "not every bad file has exactly one error DAG naming it"
    for dag_id, dag in dags.items():
        validate_key(dag_id)
        assert all(len(tag) <= TAG_MAX_LEN for tag in dag.tags), dag.tags
