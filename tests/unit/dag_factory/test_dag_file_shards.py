"""Tenants over several DAG files: every tenant in exactly one file, the files written by `flexlake dag-files`."""

import logging
import runpy
from pathlib import Path

import pytest
from flexlake import settings
from flexlake.cli import main
from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.dag_file_shards import (
    DAG_FILE_TEMPLATE,
    TenantShard,
    warn_when_near_parse_timeout,
    write_dag_files,
)


def test_the_shards_split_the_dag_ids_between_them_and_lose_none() -> None:
    dag_ids = [f"flexlake__tenant_{index:04d}" for index in range(1000)]
    shards = [TenantShard(index, 4) for index in range(1, 5)]
    held = [[dag_id for dag_id in dag_ids if shard.holds(dag_id)] for shard in shards]
    assert sorted(dag_id for part in held for dag_id in part) == sorted(dag_ids), "each DAG id in exactly one shard"
    assert all(200 < len(part) < 300 for part in held), [len(part) for part in held]


def test_a_dag_file_takes_its_shard_from_its_name() -> None:
    assert TenantShard.of_dag_file("/opt/dags/flexlake_tenants.py") == TenantShard(1, 1)
    assert TenantShard.of_dag_file("/opt/dags/flexlake_tenants_3_of_4.py") == TenantShard(3, 4)
    with pytest.raises(ValueError, match="between 1 and the count"):
        TenantShard.of_dag_file("flexlake_tenants_5_of_4.py")


def test_the_committed_dag_file_is_what_dag_files_writes_for_one_shard(tmp_path: Path) -> None:
    committed = settings.PROJECT_ROOT / "dags" / "flexlake_tenants.py"
    assert committed.read_text() == DAG_FILE_TEMPLATE.format(scope="every tenant"), (
        "run `flexlake dag-files --shards 1`"
    )


def test_dag_files_replaces_the_single_file_by_shards_and_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "flexlake_tenants.py").write_text("old")
    (tmp_path / "other_dag.py").write_text("keep")
    assert main(["dag-files", "--shards", "3", "--dags-dir", str(tmp_path)]) == 0
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [f"flexlake_tenants_{i}_of_3.py" for i in (1, 2, 3)] + ["other_dag.py"], names
    assert "wrote" in capsys.readouterr().out
    write_dag_files(tmp_path, 1)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["flexlake_tenants.py", "other_dag.py"]
    assert main(["dag-files", "--shards", "0", "--dags-dir", str(tmp_path)]) == 2


def test_shard_files_build_every_tenant_dag_once(
    tenant_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each shard file builds only its tenants (error DAGs of bad files included); together, all of them."""
    (tenant_folder / "broken.yaml").write_text("tenant_id: broken\ntier: platinum\n")
    monkeypatch.setattr(settings, "TENANT_CONFIGS_DIR", tenant_folder)
    every = set(build_tenant_dags(tenant_folder))
    files = write_dag_files(tmp_path, 2)
    built = [set(runpy.run_path(str(path))) & every for path in files]
    assert built[0] | built[1] == every and not built[0] & built[1], built
    assert "flexlake__broken" in every


def test_a_parse_near_the_timeout_names_the_fix(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        warn_when_near_parse_timeout(10.0, TenantShard())
        assert not caplog.records, "a third of the 30 s timeout is fine"
        warn_when_near_parse_timeout(29.0, TenantShard())
    assert "flexlake dag-files --shards 2" in caplog.text, caplog.text
