"""`flexlake`: the operator's command line.

    flexlake validate [FILE_OR_DIR ...]   check tenant files; say what each valid tenant will get
    flexlake schema [--check]             write (or check) tenant_configs/tenant_config.schema.json
    flexlake demo [--tenants DIR]         run the demo tenants end to end on DuckDB and print a summary

`validate` and `schema` import neither Airflow nor dbt, so they answer in well under a second.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from flexlake import settings
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config, tenant_files
from flexlake.tenant_config.json_schema import SCHEMA_FILE_NAME, tenant_config_json_schema
from flexlake.tenant_config.loader import load_tenant_configs


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    exit_code: int = args.handler(args)
    return exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flexlake", description="Operate flexlake tenants.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check tenant files")
    validate.add_argument(
        "paths", nargs="*", type=Path, help=f"files or folders (default: {settings.TENANT_CONFIGS_DIR})"
    )
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser("schema", help="write the tenant files' JSON schema")
    schema.add_argument("--check", action="store_true", help="fail when the committed schema is out of date")
    schema.add_argument("--output", type=Path, default=settings.TENANT_CONFIGS_DIR / SCHEMA_FILE_NAME)
    schema.set_defaults(handler=_schema)

    demo = commands.add_parser("demo", help="run the demo tenants end to end on DuckDB")
    demo.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
    demo.set_defaults(handler=_demo)
    return parser


def _validate(args: argparse.Namespace) -> int:
    paths: list[Path] = args.paths or [settings.TENANT_CONFIGS_DIR]
    valid: list[TenantConfig] = []
    invalid: list[TenantConfigError] = []
    for path in paths:
        if path.is_dir():
            report = load_tenant_configs(path)
            valid.extend(report.tenants)
            invalid.extend(report.errors)
        else:
            try:
                valid.append(load_tenant_config(path))
            except TenantConfigError as error:
                invalid.append(error)
    for tenant in valid:
        print(_describe_tenant(tenant))
    for problem in invalid:
        print(problem, file=sys.stderr)
    if not valid and not invalid:
        print(f"no tenant files found in {', '.join(map(str, paths))}", file=sys.stderr)
        return 1
    print(f"\n{len(valid)} valid, {len(invalid)} invalid")
    return 1 if invalid else 0


def _describe_tenant(tenant: TenantConfig) -> str:
    sources = ", ".join(f"{source.name} ({source.system}, {source.engine})" for source in tenant.sources)
    removed = ", ".join(tenant.dbt.disabled_marts) or "none"
    changed = ", ".join(f"{key}={value}" for key, value in sorted(tenant.dbt.vars.items())) or "none"
    return (
        f"ok  {tenant.tenant_id}: DAG flexlake__{tenant.tenant_id}, {tenant.tier} tier, "
        f"schedule {tenant.effective_schedule}, warehouse {tenant.warehouse.type}\n"
        f"    sources: {sources}\n"
        f"    marts removed: {removed}; definitions changed: {changed}; "
        f"catalog: {'yes' if tenant.catalog_enabled else 'no (run summary only)'}"
    )


def _schema(args: argparse.Namespace) -> int:
    output: Path = args.output
    wanted = tenant_config_json_schema()
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != wanted:
            print(f"{output} is out of date: run `flexlake schema`", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.write_text(wanted, encoding="utf-8")
    print(f"wrote {output}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from flexlake.demo import run_demo  # noqa: PLC0415 - keeps `validate` free of the demo's imports

    return run_demo(args.tenants, tenant_files(args.tenants))


if __name__ == "__main__":
    sys.exit(main())
