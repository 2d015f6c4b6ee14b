"""`flexlake remove-tenant`: the plan an operator reviews, and every refusal that must change nothing.

Applying it against Airflow's metadata DB and a real PostgreSQL is tested through the REST module's stack
(tests/integration/test_rest_and_onboarding.py, test_f).
"""

from pathlib import Path

import pytest
from flexlake import settings
from flexlake.cli import main

PG_TENANT = (
    "tenant_id: gone_pg\ndisplay_name: Gone\ntier: starter\n"
    "warehouse: {type: postgres, connection_id: gone_wh, database: analytics}\n"
    "sources: [{system: faker, name: shop}]\n"
)


def _remove(capsys: pytest.CaptureFixture[str], folder: Path, *flags: str) -> tuple[int, str, str]:
    exit_code = main(["remove-tenant", "gone_pg", "--tenants", str(folder), *flags])
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "gone_pg.yaml").write_text(PG_TENANT, encoding="utf-8")
    return tmp_path


def test_the_dry_run_lists_every_step_in_order_and_changes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pause, archive the catalog, access role and users, data kept, file deleted last; exit 0, file still there."""
    exit_code, out, err = _remove(capsys, folder)
    assert exit_code == 0, err
    steps = [
        "1. pause DAG flexlake__gone_pg",
        "2. archive the published catalog",
        "3. remove access role tenant_gone_pg and the users whose only role it is",
        "4. keep the data (postgres schemas gone_pg_raw_shop, gone_pg_staging",
        "5. delete " + str(folder / "gone_pg.yaml"),
    ]
    positions = [out.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), f"steps missing or out of order:\n{out}"
    assert "_offboarded/gone_pg-" in out, out
    assert "dry run: nothing was changed" in out, out
    assert (folder / "gone_pg.yaml").is_file(), "a dry run deleted the tenant file"


def test_drop_data_shows_the_exact_sql_before_anything_runs(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every schema is dropped with CASCADE, both roles after their grants, the bookkeeping rows and the reader's
    Airflow connection; the dry run still connects nowhere."""
    exit_code, out, err = _remove(capsys, folder, "--drop-data")
    assert exit_code == 0, err
    for schema in ("gone_pg_raw_shop", "gone_pg_staging", "gone_pg_core", "gone_pg_marts"):
        assert f'DROP SCHEMA IF EXISTS "{schema}" CASCADE;' in out, f"{schema} not dropped:\n{out}"
    for role in ("gone_pg_reader", "gone_pg_transformer"):
        assert f'DROP OWNED BY "{role}"; DROP ROLE "{role}";' in out, f"{role} not dropped:\n{out}"
    assert 'DELETE FROM "flexlake_admin"."schema_owners" WHERE schema_name IN (\'gone_pg_raw_shop\'' in out, out
    assert "delete Airflow connection flexlake_reader__gone_pg" in out, out
    assert (folder / "gone_pg.yaml").is_file()


def test_drop_data_without_yes_and_without_a_terminal_is_refused_and_changes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No one can confirm: exit 1 before any step runs (the file and everything else stay)."""
    exit_code, _, err = _remove(capsys, folder, "--apply", "--drop-data")
    assert exit_code == 1 and "--drop-data needs --yes when stdin is not a terminal" in err, err
    assert (folder / "gone_pg.yaml").is_file()


def test_drop_data_on_a_warehouse_it_cannot_drop_is_refused_with_the_names_to_drop_by_hand(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Snowflake: exit 1, naming its schemas and roles as provisioning made them and the command without --drop-data."""
    snowflake = (
        PG_TENANT.replace("type: postgres", "type: snowflake").replace("name: shop}", "name: shop, engine: airbyte}")
        + "airbyte: {connection_id: airbyte_cloud}\n"
    )
    (folder / "gone_pg.yaml").write_text(snowflake, encoding="utf-8")
    exit_code, _, err = _remove(capsys, folder, "--drop-data", "--apply", "--yes")
    assert exit_code == 1, err
    for expected in ("not snowflake", "without it", "ANALYTICS.GONE_PG_MARTS", "GONE_PG_READER", "GONE_PG_TRANSFORMER"):
        assert expected in err, f"{expected!r} missing from:\n{err}"
    assert (folder / "gone_pg.yaml").is_file()


def test_a_duckdb_tenants_drop_data_deletes_its_own_folder_only(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The DuckDB folder named is <data dir>/<tenant id> (the loader keeps it there), never the data dir itself."""
    duckdb = PG_TENANT.replace("{type: postgres, connection_id: gone_wh, database: analytics}", "{type: duckdb}")
    (folder / "gone_pg.yaml").write_text(duckdb, encoding="utf-8")
    exit_code, out, err = _remove(capsys, folder, "--drop-data")
    assert exit_code == 0, err
    assert f"DROP DATA: delete the DuckDB folder {(settings.DATA_DIR / 'gone_pg').resolve()}" in out, out


def test_an_invalid_or_missing_tenant_file_exits_1_with_the_reason(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """remove-tenant must know the warehouse to remove anything: it says so and what to do."""
    (folder / "gone_pg.yaml").write_text(PG_TENANT.replace("tier: starter", "tier: gold"), encoding="utf-8")
    exit_code, _, err = _remove(capsys, folder)
    assert exit_code == 1 and "tier" in err and "needs a valid file" in err, err
    (folder / "gone_pg.yaml").unlink()
    exit_code, _, err = _remove(capsys, folder)
    assert exit_code == 1 and "gone_pg.yaml" in err, err
