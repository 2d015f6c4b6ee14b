"""`flexlake lint-tsql DIR`: what an operator sees for compiled SQL that SQL Server would reject, and exit codes."""

from pathlib import Path

import pytest
from flexlake.cli import main


def test_a_folder_with_a_violation_prints_file_line_rule_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each violation is one line naming the file, the line, the rule and the fix; the summary counts them."""
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "fct_orders.sql").write_text("select a\nfrom t\nlimit 5")
    (tmp_path / "clean.sql").write_text("select top 5 a from t order by a")
    exit_code = main(["lint-tsql", str(tmp_path)])
    out = capsys.readouterr().out
    assert exit_code == 1, out
    assert "core/fct_orders.sql:3: [limit] T-SQL has no LIMIT: use TOP (n)" in out, out
    assert "1 T-SQL violations in 1 of 2 files" in out, out


def test_a_clean_folder_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Valid T-SQL only: exit 0 and a zero count."""
    (tmp_path / "model.sql").write_text("with a as (select 1 as x) select x from a")
    assert main(["lint-tsql", str(tmp_path)]) == 0
    assert "0 T-SQL violations in 0 of 1 files" in capsys.readouterr().out


def test_a_missing_folder_exits_1_saying_how_to_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that is not a folder is reported on stderr with the compile command."""
    assert main(["lint-tsql", str(tmp_path / "nope")]) == 1
    assert "dbt compile --no-introspect" in capsys.readouterr().err
