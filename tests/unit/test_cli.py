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
