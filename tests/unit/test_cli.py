"""`flexlake validate`: what an operator sees for good and bad tenant files, and the exit codes CI relies on."""

import shutil
from pathlib import Path

import pytest
from flexlake.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tenant_configs"
DEMO_TENANTS = Path(__file__).resolve().parents[2] / "tenant_configs"


def _validate(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, str, str]:
    """Run `flexlake validate PATHS`; return exit code, stdout and stderr."""
    exit_code = main(["validate", *map(str, paths)])
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


def test_validating_the_demo_folder_exits_0_and_names_each_dag_tier_and_schedule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every demo tenant gets a line with its DAG id, tier and schedule; nothing on stderr."""
    exit_code, out, err = _validate(capsys, DEMO_TENANTS)
    assert exit_code == 0, f"exit {exit_code}; stderr:\n{err}"
    assert err == "", err
    for expected in (
        "ok  acme_outdoor: DAG flexlake__acme_outdoor, professional tier, schedule @hourly",
        "ok  bluebird_books: DAG flexlake__bluebird_books, starter tier, schedule @daily",
        "ok  cobalt_cycles: DAG flexlake__cobalt_cycles, enterprise tier, schedule */15 * * * *",
    ):
        assert expected in out, f"{expected!r} missing from:\n{out}"
    assert "3 valid, 0 invalid" in out, out
    assert "example_co" not in out, "_example.yaml is documentation and must not be listed as a tenant"


def test_validate_describes_marts_definitions_and_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    """The summary says which marts are removed, which vars change and whether a catalog is published."""
    exit_code, out, _ = _validate(capsys, DEMO_TENANTS / "bluebird_books.yaml", DEMO_TENANTS / "cobalt_cycles.yaml")
    assert exit_code == 0, out
    assert "marts removed: customers; definitions changed: none; catalog: no (run summary only)" in out, out
    assert "marts removed: none; definitions changed: revenue_basis=gross; catalog: yes" in out, out
    assert "sources: webshop (faker, embedded)" in out, out


def test_a_bad_file_exits_1_and_stderr_names_the_file_the_field_and_the_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A typo'd key: stderr carries the file name, the dotted field and 'Did you mean'."""
    path = FIXTURES / "invalid" / "warehouse_typo.yaml"
    exit_code, out, err = _validate(capsys, path)
    assert exit_code == 1, f"a bad file passed validation; stdout:\n{out}"
    assert f"{path} is invalid:" in err, err
    assert "warehouse.conection_id: unexpected field. Did you mean 'connection_id'?" in err, err
    assert "`flexlake validate`" in err, err
    assert "0 valid, 1 invalid" in out, out


def test_a_good_and_a_bad_path_together_report_both_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """The good tenant is still described; the bad one fails the run."""
    good = FIXTURES / "valid" / "minimal_tenant.yaml"
    bad = FIXTURES / "invalid" / "top_level_typo.yaml"
    exit_code, out, err = _validate(capsys, good, bad)
    assert exit_code == 1, f"exit {exit_code}"
    assert "ok  minimal_tenant: DAG flexlake__minimal_tenant, starter tier, schedule @daily" in out, out
    assert "top_level_typo.yaml is invalid:" in err and "Did you mean 'tier'?" in err, err
    assert "1 valid, 1 invalid" in out, out


def test_a_folder_with_one_bad_file_reports_it_and_still_lists_the_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Validating a folder: the good files are listed, the bad one fails the run."""
    shutil.copy(FIXTURES / "valid" / "minimal_tenant.yaml", tmp_path)
    shutil.copy(FIXTURES / "invalid" / "unknown_warehouse_type.yaml", tmp_path)
    exit_code, out, err = _validate(capsys, tmp_path)
    assert exit_code == 1, f"exit {exit_code}"
    assert "DAG flexlake__minimal_tenant" in out, out
    assert "warehouse.type: 'oracle' is not one of" in err, err


def test_every_invalid_fixture_fails_validation(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole invalid fixture folder: exit 1, no tenant listed, one error per file."""
    folder = FIXTURES / "invalid"
    exit_code, out, err = _validate(capsys, folder)
    files = sorted(folder.glob("*.yaml"))
    assert exit_code == 1, f"exit {exit_code}"
    assert f"0 valid, {len(files)} invalid" in out, out
    assert err.count(" is invalid:") == len(files), err


def test_an_empty_folder_exits_1_saying_no_tenant_files_were_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Validating nothing is a failure, not a silent success."""
    (tmp_path / "_example.yaml").write_text("tenant_id: example\n", encoding="utf-8")
    exit_code, _, err = _validate(capsys, tmp_path)
    assert exit_code == 1, f"an empty folder passed validation (exit {exit_code})"
    assert f"no tenant files found in {tmp_path}" in err, err


def test_a_missing_file_exits_1_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is reported as an invalid tenant, not a traceback."""
    ghost = tmp_path / "ghost.yaml"
    exit_code, _, err = _validate(capsys, ghost)
    assert exit_code == 1, f"exit {exit_code}"
    assert f"{ghost} is invalid:" in err and "cannot read the file" in err, err


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    """`flexlake` alone is a usage error (argparse exits 2)."""
    with pytest.raises(SystemExit) as raised:
        main([])
    assert raised.value.code == 2, f"exit {raised.value.code}"
    assert "usage: flexlake" in capsys.readouterr().err


def test_provision_dry_run_prints_the_sql_with_the_password_masked_and_connects_nowhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """By tenant id: the exact statements, roles and reader connection id; the warehouse connection is undefined."""
    exit_code = main(["provision", "every_field", "--tenants", str(FIXTURES / "valid"), "--dry-run"])
    out = capsys.readouterr().out
    assert exit_code == 0, out
    assert "-- provisioning plan for tenant every_field (postgres)" in out, out
    assert 'CREATE SCHEMA IF NOT EXISTS "ef_marts" AUTHORIZATION "every_field_transformer";' in out, out
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "ef_marts" TO "every_field_reader";' in out, out
    assert "PASSWORD '********'" in out and "flexlake_reader__every_field" in out, out
    assert "-- fingerprint " in out, out


def test_provision_dry_run_of_a_duckdb_tenant_file_gives_the_read_only_path(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """By file: DuckDB gets schemas and the read-only file as its reader; no roles, no password."""
    exit_code = main(["provision", str(DEMO_TENANTS / "acme_outdoor.yaml"), "--dry-run"])
    out = capsys.readouterr().out
    assert exit_code == 0, out
    assert 'CREATE SCHEMA IF NOT EXISTS "acme_outdoor_marts";' in out, out
    assert "read_only=True" in out and "PASSWORD" not in out, out


def test_provision_refuses_a_name_the_warehouse_would_truncate_naming_file_field_and_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 30-character prefix plus a 30-character source name makes a 65-character schema: refused when the file
    is read (as `validate` refuses it), exit 1, no SQL."""
    path = tmp_path / "long_names.yaml"
    path.write_text(
        "tenant_id: long_names\ndisplay_name: Long\ntier: starter\n"
        f"warehouse: {{type: postgres, connection_id: wh, database: db, schema_prefix: {'p' * 30}}}\n"
        f"sources: [{{name: {'s' * 30}, system: faker}}]\n",
        encoding="utf-8",
    )
    exit_code = main(["provision", str(path), "--dry-run"])
    captured = capsys.readouterr()
    assert exit_code == 1, captured.out
    assert f"{path} is invalid:" in captured.err, captured.err
    assert "sources[0].name:" in captured.err and "63" in captured.err and "shorten" in captured.err, captured.err
    assert "CREATE" not in captured.out, captured.out


def test_provision_of_an_unknown_tenant_exits_1_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A tenant id without a file is reported like `validate` reports it."""
    exit_code = main(["provision", "ghost", "--tenants", str(tmp_path), "--dry-run"])
    assert exit_code == 1
    assert f"{tmp_path / 'ghost.yaml'} is invalid:" in capsys.readouterr().err


def test_provision_without_the_warehouse_connection_exits_1_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The tenant's Airflow connection is not defined: one line naming the file and the problem, no traceback."""
    exit_code = main(["provision", str(FIXTURES / "valid" / "every_field.yaml")])
    err = capsys.readouterr().err
    assert exit_code == 1, err
    assert "every_field.yaml: provisioning failed" in err and "flexlake_every_field_warehouse" in err, err


def test_validate_refuses_a_file_taking_another_tenants_schemas_naming_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder is checked as a whole: beta with schema_prefix acme on acme's warehouse fails (exit 1), naming
    acme.yaml; acme, whose schemas are its own by default, stays valid (tenant_config/boundaries.py)."""
    for tenant_id, prefix in (("acme", ""), ("beta", ", schema_prefix: acme")):
        (tmp_path / f"{tenant_id}.yaml").write_text(
            f"tenant_id: {tenant_id}\ndisplay_name: T\ntier: starter\n"
            f"warehouse: {{type: postgres, connection_id: pg, database: db{prefix}}}\n"
            "sources: [{system: faker, name: shop}]\n",
            encoding="utf-8",
        )
    exit_code, out, err = _validate(capsys, tmp_path)
    assert exit_code == 1 and "1 valid, 1 invalid" in out and "ok  acme:" in out, out
    assert f"{tmp_path / 'beta.yaml'} is invalid:" in err and "are also used by acme.yaml" in err, err
    assert f"{tmp_path / 'acme.yaml'} is invalid:" not in err, err


def test_validate_never_prints_a_password_pasted_as_a_connection_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A URI with user:password in connection_id is shown redacted, on stdout and stderr alike."""
    path = tmp_path / "acme.yaml"
    path.write_text(
        "tenant_id: acme\ndisplay_name: T\ntier: starter\n"
        "warehouse: {type: postgres, connection_id: 'postgresql://admin:hunter2@db:5432/prod', database: db}\n"
        "sources: [{system: faker, name: shop}]\n",
        encoding="utf-8",
    )
    exit_code, out, err = _validate(capsys, path)
    assert exit_code == 1, out
    assert "hunter2" not in out + err, err
    assert "postgresql://admin:***@db:5432/prod" in err, err
