"""Column text is written once: a description used by two columns of the dbt project (models, seeds, sources) is a
`{% docs %}` block referenced with `{{ doc(...) }}`, never a second copy that drifts from the first
(include/dbt/README.md; issue 18 item 7).

Reads the yml files themselves, not the manifest: the manifest holds the rendered text, where a shared block and
two copies look the same.
"""

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from flexlake import settings

DBT_PROJECT = settings.DBT_PROJECT_DIR
YML_FOLDERS = ("models", "seeds")


def _described_columns(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(table, column, description) of every column a yml document describes: models, seeds and source tables."""
    for key in ("models", "seeds", "sources"):
        for entry in document.get(key) or []:
            tables = [entry, *(entry.get("tables") or [])]
            for table in tables:
                for column in table.get("columns") or []:
                    yield table["name"], column["name"], str(column.get("description") or "").strip()


def _written_out_descriptions() -> dict[str, list[str]]:
    """Each description written out in full (not a doc() reference) -> where: 'file: table.column'."""
    found: dict[str, list[str]] = defaultdict(list)
    for folder in YML_FOLDERS:
        for path in sorted((DBT_PROJECT / folder).rglob("*.yml")):
            for table, column, text in _described_columns(yaml.safe_load(path.read_text()) or {}):
                if text and "doc(" not in text:
                    found[text].append(f"{Path(path).relative_to(DBT_PROJECT)}: {table}.{column}")
    return found


def test_no_column_description_is_written_out_twice() -> None:
    """A text found in two places names both; the fix is a docs block (models/docs.md, or the system's
    models/staging/<system>/_<system>__docs.md) referenced from each."""
    found = _written_out_descriptions()
    assert len(found) > 100, f"only {len(found)} written-out descriptions found under {DBT_PROJECT}: wrong folder?"
    repeated = {text: where for text, where in found.items() if len(where) > 1}
    assert not repeated, "descriptions written out more than once (make each a {% docs %} block):\n" + "\n".join(
        f"{text!r}: {', '.join(where)}" for text, where in repeated.items()
    )
