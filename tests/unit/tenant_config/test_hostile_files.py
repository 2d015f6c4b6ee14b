"""Tenant files a hostile or careless operator writes: each class is refused with file, field and fix, bounded in
cost, and never with an exception other than TenantConfigError (issue 12)."""

import time
import tracemalloc
from pathlib import Path

import pytest
from flexlake.tenant_config import TenantConfigError, load_tenant_config

GOOD = (
    "tenant_id: {tenant_id}\ndisplay_name: T\ntier: {tier}\nwarehouse: {{type: duckdb}}\n"
    "sources: [{{system: faker, name: shop}}]\n"
)


def _file(tmp_path: Path, text: str | bytes, tenant_id: str = "acme", name: str | None = None) -> Path:
    """Write a tenant file (default name: <tenant_id>.yaml)."""
    path = tmp_path / (name or f"{tenant_id}.yaml")
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _problems(path: Path) -> list[str]:
    """The problems of a file that must not load."""
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    assert raised.value.path == path, f"the error names {raised.value.path}"
    return raised.value.problems


def _good(tenant_id: str = "acme", tier: str = "starter") -> str:
    """A valid tenant file's text."""
    return GOOD.format(tenant_id=tenant_id, tier=tier)


def test_a_file_that_is_not_utf8_is_an_error_saying_to_save_it_as_utf8(tmp_path: Path) -> None:
    """printf '\\xff\\xfe' > aaa.yaml crashed the whole DAG file; now it is that file's error."""
    assert _problems(_file(tmp_path, b"\xff\xfe", "aaa")) == ["the file is not UTF-8 text (byte 1); save it as UTF-8"]


def test_a_complex_yaml_key_is_an_error_not_a_type_error(tmp_path: Path) -> None:
    """`? [a, b]\\n: 1` made an unhashable key (TypeError); keys must be plain text."""
    problems = _problems(_file(tmp_path, "? [a, b]\n: 1\n"))
    assert problems == ["not valid YAML at line 1, column 3: a key must be plain text, not a list or mapping"], problems


def test_a_yaml_alias_bomb_is_refused_at_once_without_expanding_it(tmp_path: Path) -> None:
    """A 600-byte billion-laughs file took 10 s and 1.5 GB; aliases are refused before anything is built."""
    levels = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"l{n}: &l{n} [{','.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 9)]
    path = _file(tmp_path, "\n".join(levels) + "\n" + _good())
    tracemalloc.start()
    began = time.perf_counter()
    problems = _problems(path)
    seconds, (_, peak) = time.perf_counter() - began, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert problems[0].startswith("YAML aliases (*name) are not allowed in tenant files"), problems
    assert seconds < 0.5 and peak < 10 * 2**20, f"{seconds:.2f} s, {peak / 2**20:.1f} MB"


def test_a_file_over_256_kib_is_refused_unread(tmp_path: Path) -> None:
    """The size cap bounds what a file can cost before it is parsed."""
    problems = _problems(_file(tmp_path, _good() + "# " + "x" * 300_000 + "\n"))
    assert problems == ["the file is larger than 256 KiB; a tenant file is a short hand-written config"], problems


def test_an_echoed_huge_value_is_truncated(tmp_path: Path) -> None:
    """A 200,000-character value in a wrong place never becomes a 200,000-character message."""
    error_text = "\n".join(
        _problems(_file(tmp_path, _good().replace("display_name: T", f"display_name: {'x' * 200_000}")))
    )
    assert len(error_text) < 1000 and "xxxxx" in error_text, error_text[:300]


def test_an_invalid_date_is_the_files_error_naming_the_fix(tmp_path: Path) -> None:
    """PyYAML raises ValueError for 2026-13-45; it is reported, not raised."""
    problems = _problems(_file(tmp_path, _good() + "dbt: {vars: {as_of_date: 2026-13-45}}\n"))
    assert problems[0].startswith("a value cannot be read (ValueError") and "YYYY-MM-DD" in problems[0], problems


def test_an_unforeseen_exception_becomes_the_files_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong inside one file's checks is that file's TenantConfigError, with the exception's type."""

    def explode(_path: Path, _config: object) -> None:
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr("flexlake.tenant_config.loader._with_paths_confined", explode)
    problems = _problems(_file(tmp_path, _good()))
    assert "RuntimeError" in problems[0] and "something nobody foresaw" in problems[0], problems


def test_a_schedule_airflow_cannot_parse_is_refused_at_load(tmp_path: Path) -> None:
    """`schedule: every tuesday` used to pass validate and then break the DAG file's parse."""
    problems = _problems(_file(tmp_path, _good() + "schedule: every tuesday\n"))
    assert problems[0].startswith("schedule: 'every tuesday' is not a cron expression Airflow accepts"), problems
    assert "'0 6 * * *'" in problems[0] and "@daily" in problems[0], problems


@pytest.mark.parametrize(
    ("tier", "schedule", "allowed"),
    [
        ("starter", "* * * * *", False),
        ("starter", "0 6,18 * * *", False),
        ("starter", "0 6 * * *", True),
        ("starter", "@weekly", True),
        ("professional", "*/30 * * * *", False),
        ("professional", "@hourly", True),
        ("enterprise", "* * * * *", False),
        ("enterprise", "*/5 * * * *", True),
    ],
)
def test_the_tier_bounds_how_often_a_tenant_runs(tmp_path: Path, tier: str, schedule: str, allowed: bool) -> None:
    """starter at most daily, professional hourly, enterprise every 5 minutes."""
    path = _file(tmp_path, _good(tier=tier) + f"schedule: '{schedule}'\n")
    if allowed:
        assert load_tenant_config(path).effective_schedule == schedule
        return
    problems = _problems(path)
    assert problems[0].startswith(f"schedule: '{schedule}' runs every") and f"the {tier} tier" in problems[0], problems


def test_a_file_name_mismatch_is_reported_with_the_other_errors_and_a_valid_id_as_hint(tmp_path: Path) -> None:
    """The mismatch no longer waits for everything else to be valid, and never suggests an invalid id."""
    problems = _problems(_file(tmp_path, _good("bluebird").replace("tier: starter", "tier: gold"), name="acme.yaml"))
    assert problems[0] == (
        "tenant_id: 'bluebird' must equal the file name ('acme'); rename the file to bluebird.yaml "
        "or set tenant_id: acme"
    ), problems
    assert any(problem.startswith("tier: 'gold' is not one of") for problem in problems), problems
    weird = _problems(_file(tmp_path, _good("Bad-Id"), name="Bluebird Books!.yaml"))
    assert weird[0].endswith("e.g. bluebird_books"), weird


def test_derived_schema_names_longer_than_63_are_refused_naming_the_name(tmp_path: Path) -> None:
    """A 40-character tenant id plus a source name passed validation and failed in provisioning."""
    tenant_id = "a" * 40
    problems = _problems(_file(tmp_path, _good(tenant_id).replace("name: shop", f"name: {'s' * 20}"), tenant_id))
    assert f"'{tenant_id}_raw_{'s' * 20}' is 65 characters, warehouses allow 63" in problems[0], problems
    assert problems[0].startswith("sources[0].name:") and "shorten" in problems[0], problems


def test_a_yaml_boolean_for_revenue_basis_is_refused_saying_to_quote_it(tmp_path: Path) -> None:
    """`revenue_basis: no` is False in YAML; it passed validation and failed in dbt."""
    problems = _problems(_file(tmp_path, _good() + "dbt: {vars: {revenue_basis: no}}\n"))
    assert problems == [
        "dbt.vars.revenue_basis: False is not one of net or gross; YAML reads yes/no/on/off/true/false as a "
        "boolean: quote the word"
    ], problems


def test_an_unknown_dbt_var_is_refused_with_did_you_mean(tmp_path: Path) -> None:
    """Unknown var names were ignored silently."""
    problems = _problems(_file(tmp_path, _good() + "dbt: {vars: {reporting_curency: EUR}}\n"))
    assert problems == ["dbt.vars.reporting_curency: unexpected field. Did you mean 'reporting_currency'?"], problems


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("faker_currency_code", "\"USD' || (select content from read_text('/etc/passwd')) || '\""),
        ("shopify_shop_currency_code", "usd"),
        ("reporting_currency", "EURO"),
        ("fx_rates_relation", '"finance.rates; drop table x"'),
        ("counted_order_statuses", '[completed, "x\' or 1=1"]'),
        ("active_customer_window_days", "true"),
        ("fiscal_year_start_month", "13"),
    ],
)
def test_no_dbt_var_that_reaches_sql_is_free_text(tmp_path: Path, var: str, value: str) -> None:
    """Every settable var has a type and a pattern or vocabulary: an injection attempt is refused at load."""
    problems = _problems(_file(tmp_path, _good() + f"dbt: {{vars: {{{var}: {value}}}}}\n"))
    assert problems[0].startswith(f"dbt.vars.{var}"), problems


def test_valid_dbt_vars_reach_dbt_as_typed_values(tmp_path: Path) -> None:
    """Dates become ISO text and lists stay lists, as dbt's var() expects."""
    text = (
        _good() + "dbt:\n  vars:\n    reporting_currency: EUR\n    fx_rates_relation: finance.fx_rates\n"
        "    as_of_date: 2026-06-30\n    counted_order_statuses: [completed]\n    fiscal_year_start_month: 4\n"
    )
    assert load_tenant_config(_file(tmp_path, text)).dbt.vars.as_dbt_vars() == {
        "reporting_currency": "EUR",
        "fx_rates_relation": "finance.fx_rates",
        "as_of_date": "2026-06-30",
        "counted_order_statuses": ["completed"],
        "fiscal_year_start_month": 4,
    }


@pytest.mark.parametrize("driver", ["ODBC Driver 18;Server=evil", "{ODBC}", "Driver=x", "x\ny"])
def test_an_odbc_driver_that_could_add_connection_string_keys_is_refused(tmp_path: Path, driver: str) -> None:
    """`;`, `{`, `}`, `=` and newlines would extend the ODBC connection string."""
    warehouse = f'{{type: sqlserver, connection_id: wh, database: db, odbc_driver: "{driver.replace(chr(10), "\\n")}"}}'
    text = _good().replace("{type: duckdb}", warehouse).replace("system: faker,", "system: faker, engine: airbyte,")
    problems = _problems(_file(tmp_path, text + "airbyte: {connection_id: ab}\n"))
    assert problems[0].startswith("warehouse.odbc_driver:") and "letters, digits" in problems[0], problems


@pytest.mark.parametrize("owner", ["x" * 101, "ops\nInjected: header", ""])
def test_owner_is_one_line_of_at_most_100_characters(tmp_path: Path, owner: str) -> None:
    """Airflow's owner column is 2,000 characters; a tenant file's owner is one short line."""
    problems = _problems(_file(tmp_path, _good() + f"owner: {owner!r}\n".replace("'", '"')))
    assert problems[0].startswith("owner:") and "1-100 characters on one line" in problems[0], problems


def test_a_pasted_connection_uri_is_redacted_in_the_error(tmp_path: Path) -> None:
    """A URI with user:password pasted as connection_id shows as postgresql://admin:***@..., never the password."""
    warehouse = '{type: postgres, connection_id: "postgresql://admin:hunter2@db.example.com/prod", database: db}'
    path = _file(tmp_path, _good().replace("{type: duckdb}", warehouse))
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    assert "hunter2" not in str(raised.value), str(raised.value)
    assert "'postgresql://admin:***@db.example.com/prod' must be the id of an Airflow connection" in str(raised.value)


def test_a_pasted_webhook_url_is_redacted_in_the_error(tmp_path: Path) -> None:
    """A Slack webhook URL pasted as slack_connection_id has its token in the path: the error shows the host only."""
    token = "T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx"
    alerts = f'alerts: {{slack_connection_id: "https://hooks.slack.com/services/{token}"}}\n'
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(_file(tmp_path, _good() + alerts))
    assert "abcdefghijklmnopqrstuvwx" not in str(raised.value) and "B0456EFGH" not in str(raised.value)
    assert "alerts.slack_connection_id: 'https://hooks.slack.com/***'" in str(raised.value), str(raised.value)


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ("as_of_date: 20260101", "must be a date written YYYY-MM-DD"),
        ("calendar_start_date: 2030-01-01, calendar_end_date: 2020-01-01", "is after calendar_end_date"),
    ],
)
def test_date_vars_are_dates_in_order(tmp_path: Path, dates: str, expected: str) -> None:
    """A number is not read as a Unix timestamp, and the calendar range must not be reversed."""
    problems = _problems(_file(tmp_path, _good() + f"dbt: {{vars: {{{dates}}}}}\n"))
    assert problems[0].startswith("dbt.vars") and expected in problems[0], problems
