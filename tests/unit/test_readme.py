"""The README names only what exists: its module table's modules, the tenant DAG's task ids, its commands.

A renamed module, task or command fails here instead of leaving the README to drift.
"""

import argparse
import re
from pathlib import Path

import pytest
from flexlake import cli
from flexlake.dag_factory.build_watch import BUILD_TASK_ID
from flexlake.dag_factory.catalog_task import PUBLISH_TASK_ID
from flexlake.dag_factory.dbt_task_group import DBT_GROUP_ID
from flexlake.dag_factory.ingestion_tasks import INGESTION_TASK_PREFIX

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "plugins" / "flexlake"
# A backticked name that reads as a module: `safe_yaml`, `dbt_runner.py`, `dbt_operator.DbtNodeReportOperator`.
_MODULE_LIKE = re.compile(r"^[a-z_][a-z0-9_]*(\.py|\.[A-Za-z_]\w*)?$")
# Backticked words of the table that only look like modules.
NOT_MODULES = {"access_control": "an Airflow DAG argument", "_airbyte_extracted_at": "a raw table's column"}


def _module_table() -> list[tuple[list[str], str]]:
    """(the modules of the first column, the room column) per row of the `| module | room |` table."""
    lines = README.split("| module | room |", 1)[1].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        first, room = line.removeprefix("| ").split(" | ", 1)
        rows.append((re.findall(r"`(flexlake(?:\.\w+)*)`", first), room.removesuffix(" |")))
    return rows


def _module_path(dotted: str) -> Path | None:
    """The file of a flexlake module (`flexlake.a.b` → plugins/flexlake/a/b.py or its package), if it exists."""
    base = ROOT / "plugins" / Path(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


ROWS = _module_table()


def test_the_module_table_is_found_and_names_modules() -> None:
    """The table parses: a dozen rows, each naming at least one flexlake module."""
    assert len(ROWS) >= 10, f"README module table not found or cut short: {ROWS[:2]}"
    assert all(modules for modules, _ in ROWS), [room[:40] for modules, room in ROWS if not modules]


@pytest.mark.parametrize("module", [module for modules, _ in ROWS for module in modules])
def test_every_module_the_table_names_exists(module: str) -> None:
    """`flexlake.x` in the first column is a module or package under plugins/."""
    assert _module_path(module), f"README names {module}, which is not under plugins/"


def _defined_in(package: Path, name: str) -> bool:
    """A module, script or name (def, class, assignment, registry key) of the package by that name."""
    if list(package.rglob(f"{name}.py")) or list(package.rglob(name)) or (package / name).is_dir():
        return True
    pattern = re.compile(rf"^\s*(?:def|class)\s+{name}\b|^\s*{name}\s*[:=]|\"{name}\":", re.MULTILINE)
    files = [package] if package.is_file() else package.rglob("*.py")
    return any(pattern.search(path.read_text(encoding="utf-8")) for path in files)


@pytest.mark.parametrize(("modules", "room"), ROWS, ids=[modules[0] for modules, _ in ROWS])
def test_every_submodule_a_row_names_exists_in_its_package(modules: list[str], room: str) -> None:
    """`safe_yaml`, `dlt_runner.py`, `dbt_operator.DbtNodeReportOperator`, `warehouses.raw_freshness`: each is a
    module, script or name of the row's package (or of flexlake, when dotted from there)."""
    packages = [path.parent if path.name == "__init__.py" else path for path in map(_module_path, modules) if path]
    for token in re.findall(r"`([^`]+)`", room):
        if not _MODULE_LIKE.match(token) or token.startswith("flexlake") or token in NOT_MODULES:
            continue
        head, _, attribute = token.removesuffix(".py").partition(".")
        in_package = [package for package in packages if _defined_in(package, head)]
        in_flexlake = _module_path(f"flexlake.{token}") is not None
        assert in_package or in_flexlake, f"README row {modules}: `{token}` is no module or name of {modules}"
        if attribute and not token.endswith(".py") and not in_flexlake:
            module = next(p for package in in_package for p in package.rglob(f"{head}.py"))
            assert _defined_in(module, attribute), f"README row {modules}: {attribute} is not in {module}"


def test_the_flow_names_the_tenant_dags_task_ids() -> None:
    """The numbered flow starts each step with the task ids the DAG factory gives."""
    flow = README.split("## What a tenant DAG does", 1)[1].split("| module | room |", 1)[0]
    steps = re.findall(r"^\d\. (.+)$", flow, re.MULTILINE)
    assert steps[0].startswith(f"`{INGESTION_TASK_PREFIX}<source>`"), steps[0]
    assert steps[1].startswith(f"`{BUILD_TASK_ID}` and, beside it, `{DBT_GROUP_ID}`"), steps[1]
    assert steps[2].startswith(f"`{PUBLISH_TASK_ID}`"), steps[2]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _readme_commands() -> list[list[str]]:
    """Every `flexlake ...` command the README shows; `flexlake a b | c` is `a b` and `a c`."""
    commands = []
    for text in re.findall(r"`(flexlake [^`]+)`", README):
        first, *alternatives = re.split(r"\s*\|\s*", re.sub(r"<[^>]*>", "<arg>", text))
        words = first.split()[1:]
        commands.append(words)
        commands.extend([*words[:-1], alternative.split()[0]] for alternative in alternatives)
    return commands


@pytest.mark.parametrize("words", _readme_commands(), ids=" ".join)
def test_every_flexlake_command_the_readme_shows_exists(words: list[str]) -> None:
    """Each command word is a subcommand of `flexlake` (arguments after the last subcommand are not checked)."""
    parser = cli._parser()
    for word in words:
        choices = _subcommands(parser)
        if not choices:
            break
        assert word in choices, f"README shows `flexlake {' '.join(words)}`: no {word!r} among {sorted(choices)}"
        parser = choices[word]


def test_every_make_target_the_readme_shows_exists() -> None:
    """`make demo`, `make test`, ...: each a target of the Makefile."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = {name for line in re.findall(r"^([a-z][\w -]*):", makefile, re.MULTILINE) for name in line.split()}
    shown = set(re.findall(r"\bmake ([a-z][\w-]*)", README))
    assert shown, "the README shows no make command"
    assert shown <= targets, f"README shows make targets the Makefile lacks: {sorted(shown - targets)}"
