"""Reading tenant files: file names, duplicates, broken YAML, and one bad file among good ones."""

from pathlib import Path

import pytest
from flexlake.tenant_config import TenantConfigError, load_tenant_config, load_tenant_configs, tenant_files

INVALID_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tenant_configs" / "invalid"


def _tenant_yaml(tenant_id: str) -> str:
    """A valid tenant file's text for this id."""
    return (
        f"tenant_id: {tenant_id}\n"
        f"display_name: {tenant_id.title()}\n"
        "tier: starter\n"
        "warehouse:\n  type: duckdb\n"
        "sources:\n  - name: shop\n    system: faker\n"
    )


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _load_error(path: Path) -> TenantConfigError:
    """The error a file that must not load raises."""
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    return raised.value


def test_a_valid_file_whose_stem_is_its_tenant_id_loads(tmp_path: Path) -> None:
    """acme.yaml with tenant_id: acme becomes a TenantConfig."""
    config = load_tenant_config(_write(tmp_path, "acme.yaml", _tenant_yaml("acme")))
    assert config.tenant_id == "acme", f"got {config.tenant_id!r}"


def test_a_yml_file_loads_like_a_yaml_file(tmp_path: Path) -> None:
    """Both .yaml and .yml are tenant files."""
    _write(tmp_path, "acme.yml", _tenant_yaml("acme"))
    report = load_tenant_configs(tmp_path)
    assert [tenant.tenant_id for tenant in report.tenants] == ["acme"], f"got {report!r}"


def test_a_tenant_id_different_from_the_file_name_says_to_rename_the_file(tmp_path: Path) -> None:
    """The stem must equal tenant_id; the message offers both fixes."""
    path = _write(tmp_path, "acme.yaml", _tenant_yaml("bluebird"))
    error = _load_error(path)
    assert error.path == path, f"error names {error.path}"
    assert len(error.problems) == 1, f"problems: {error.problems}"
    problem = error.problems[0]
    assert "'bluebird' must equal the file name" in problem, problem
    assert "rename the file to bluebird.yaml" in problem, problem
    assert "set tenant_id: acme" in problem, problem


def test_an_underscore_file_may_name_a_different_tenant_id(tmp_path: Path) -> None:
    """_*.yaml files are documentation: they validate without matching their stem."""
    config = load_tenant_config(_write(tmp_path, "_example.yaml", _tenant_yaml("example_co")))
    assert config.tenant_id == "example_co", f"got {config.tenant_id!r}"


def test_the_same_id_in_two_files_makes_the_second_an_error_naming_the_first(tmp_path: Path) -> None:
    """acme.yaml and acme.yml: the first in sorted order is the tenant, the other is reported."""
    _write(tmp_path, "acme.yaml", _tenant_yaml("acme"))
    duplicate = _write(tmp_path, "acme.yml", _tenant_yaml("acme"))
    report = load_tenant_configs(tmp_path)
    assert [tenant.tenant_id for tenant in report.tenants] == ["acme"], f"tenants: {report.tenants!r}"
    assert len(report.errors) == 1, f"errors: {report.errors!r}"
    error = report.errors[0]
    assert error.path == duplicate, f"the error names {error.path}, not the second file"
    assert "already used by acme.yaml" in str(error), str(error)
    assert "must be unique" in str(error), str(error)


def test_invalid_yaml_is_reported_with_its_line_and_column() -> None:
    """A YAML syntax error points at where it is in the file."""
    error = _load_error(INVALID_FIXTURES / "broken_yaml.yaml")
    assert error.problems[0].startswith("not valid YAML at line 4, column 13:"), error.problems


@pytest.mark.parametrize(
    ("name", "text"),
    [("list.yaml", "- a\n- b\n"), ("scalar.yaml", "just a string\n"), ("empty.yaml", ""), ("comment.yaml", "# x\n")],
)
def test_a_file_that_is_not_a_yaml_mapping_is_an_error(tmp_path: Path, name: str, text: str) -> None:
    """Lists, scalars and empty files are rejected, pointing at the documented example."""
    error = _load_error(_write(tmp_path, name, text))
    assert error.problems == ["the file must be a YAML mapping (key: value), see tenant_configs/_example.yaml"], (
        error.problems
    )


def test_a_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    """Reading a file that does not exist raises TenantConfigError naming it."""
    error = _load_error(tmp_path / "ghost.yaml")
    assert error.problems[0].startswith("cannot read the file"), error.problems
    assert str(error).startswith(f"{tmp_path / 'ghost.yaml'} is invalid:"), str(error)


def test_tenant_files_skips_documentation_dotfiles_and_other_files(tmp_path: Path) -> None:
    """_*.yaml, dotfiles, non-YAML files and folders are not tenants; the rest come back sorted."""
    for name in ("zeta.yaml", "alpha.yml", "mid.yaml", "_example.yaml", ".hidden.yaml", "notes.txt", "x.json"):
        _write(tmp_path, name, _tenant_yaml("alpha"))
    (tmp_path / "folder.yaml").mkdir()
    names = [path.name for path in tenant_files(tmp_path)]
    assert names == ["alpha.yml", "mid.yaml", "zeta.yaml"], f"got {names}"


def test_tenant_files_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    """A folder that does not exist has no tenant files (the caller reports that)."""
    assert tenant_files(tmp_path / "absent") == [], "a missing folder produced files"


def test_one_bad_file_among_good_ones_does_not_stop_the_good_ones(tmp_path: Path) -> None:
    """dag-factory's rule: the bad file is in errors, every good one still becomes a tenant."""
    _write(tmp_path, "acme.yaml", _tenant_yaml("acme"))
    bad = _write(tmp_path, "bluebird.yaml", _tenant_yaml("bluebird").replace("tier:", "teir:"))
    _write(tmp_path, "cobalt.yaml", _tenant_yaml("cobalt"))
    report = load_tenant_configs(tmp_path)
    assert [tenant.tenant_id for tenant in report.tenants] == ["acme", "cobalt"], f"tenants: {report.tenants!r}"
    assert [error.path for error in report.errors] == [bad], f"errors: {report.errors!r}"


def test_tenants_load_in_sorted_file_order(tmp_path: Path) -> None:
    """DAGs are built in a stable order whatever order the file system lists files in."""
    for tenant_id in ("delta", "alpha", "charlie", "bravo"):
        _write(tmp_path, f"{tenant_id}.yaml", _tenant_yaml(tenant_id))
    report = load_tenant_configs(tmp_path)
    ids = [tenant.tenant_id for tenant in report.tenants]
    assert ids == ["alpha", "bravo", "charlie", "delta"], f"got {ids}"


def test_every_invalid_fixture_is_reported_and_none_becomes_a_tenant() -> None:
    """Each file in tests/fixtures/tenant_configs/invalid/ is one error; the folder yields no tenants."""
    report = load_tenant_configs(INVALID_FIXTURES)
    files = tenant_files(INVALID_FIXTURES)
    assert len(files) >= 10, f"only {len(files)} invalid fixtures found"
    assert report.tenants == (), f"invalid fixtures loaded: {[t.tenant_id for t in report.tenants]}"
    assert sorted(error.path for error in report.errors) == files, "not every invalid fixture was reported"


def test_a_key_written_twice_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    """PyYAML would keep the last `tier:`; the loader names the repeated key and its line instead."""
    path = tmp_path / "twice.yaml"
    path.write_text(
        "tenant_id: twice\ndisplay_name: T\ntier: starter\ntier: enterprise\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop}]\n"
    )
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    assert "the key 'tier' appears twice" in str(raised.value) and "line 4" in str(raised.value), str(raised.value)
