"""The thinnest overlay dbt project that builds: the product as a `local:` package, nothing replaced yet.

What tenant_configs/overlays/example_appdb shows, minus its models: dbt_project.yml (flags that make a
replacement win), packages.yml (the product, via FLEXLAKE_DBT_PROJECT_DIR as `flexlake manifest` sets it),
the generate_schema_name delegation (dbt reads it from the root project only) and empty model folders.
"""

import os
from pathlib import Path

from flexlake import settings

_DBT_PROJECT = """\
# {tenant_id}'s overlay: the flexlake product (package `flexlake`, packages.yml) plus this tenant's own models.
# Written by `flexlake new-tenant`; built by `flexlake manifest`. Recipe: include/dbt/README.md,
# "Per-tenant customization" (replace a product model: disable it below and add one of the same name).
name: {tenant_id}_overlay
version: "0.1.0"
config-version: 2
profile: flexlake
require-dbt-version: [">=1.11.0", "<1.12.0"]

model-paths: ["models"]
macro-paths: ["macros"]
clean-targets: ["target", "logs", "dbt_packages"]

flags:
  send_anonymous_usage_stats: false
  # A ref() without a package resolves in this overlay first: a replacement is used by the product's models.
  require_ref_prefers_node_package_to_root: false

models:
  {tenant_id}_overlay:
    marts:
      +schema: marts
      +materialized: table
"""

_PACKAGES = """\
# The product as a local package; `flexlake manifest` sets FLEXLAKE_DBT_PROJECT_DIR to the product it builds.
packages:
  - local: "{{{{ env_var('FLEXLAKE_DBT_PROJECT_DIR', '{relative_product}') }}}}"
"""

_GENERATE_SCHEMA_NAME = """\
{#- dbt takes generate_schema_name from the root project only: delegate to the product's, so every model
    (the product's and this overlay's) lands in <prefix>_<layer> as usual. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ return(flexlake.generate_schema_name(custom_schema_name, node)) }}
{%- endmacro %}
"""

_MARTS_README = "Models of this tenant's marts layer go here (schema <prefix>_marts, tables).\n"


def write_overlay_skeleton(folder: Path, tenant_id: str) -> list[Path]:
    """Create `folder` (which must not exist) with the skeleton; return the files written."""
    relative_product = os.path.relpath(settings.DBT_PROJECT_DIR, folder.absolute())
    files = {
        folder / "dbt_project.yml": _DBT_PROJECT.format(tenant_id=tenant_id),
        folder / "packages.yml": _PACKAGES.format(relative_product=relative_product),
        folder / "macros" / "generate_schema_name.sql": _GENERATE_SCHEMA_NAME,
        folder / "models" / "marts" / "README.md": _MARTS_README,
    }
    folder.mkdir(parents=True)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)
