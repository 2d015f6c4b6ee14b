"""`make sbom` and the image's sbom stage: one CycloneDX JSON per venv, every component with its license.

    python -m licensing.sbom --tool .venvs/sbom/bin/cyclonedx-py --out build/sbom [--validate]
        [--strict] [--venv NAME=VENV_DIR ...]     (default: .venv, .venvs/pyairbyte, .venvs/source-faker)

cyclonedx-py (cyclonedx-bom, in its own tool venv: scripts/sbom_venv.sh) lists the components; it leaves a
component's licenses empty when metadata names none (PyAirbyte's is only in LICENSE.md). This module fills
those from licensing.resolve (classifiers, then the license file) or the policy's explicit entry, and records
on every component the resolved SPDX expression, where it came from, its scope (image or dev) and the
policy's verdict, as `flexlake:*` properties.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from licensing.check import Finding, judge_venv
from licensing.policy import Policy, load_policy, normalize
from licensing.venvs import REPO_ROOT, Venv, read_packages, repo_venvs


def _properties(finding: Finding) -> list[dict[str, str]]:
    values = {
        "flexlake:license": finding.license or "unknown",
        "flexlake:license-source": finding.source,
        "flexlake:scope": finding.scope,
        "flexlake:policy": finding.verdict,
    }
    return [{"name": name, "value": value} for name, value in values.items()]


def annotate(bom: dict[str, Any], findings: list[Finding]) -> int:
    """Fill empty licenses and add the flexlake:* properties; return how many components were filled."""
    by_key = {(normalize(f.name), f.version): f for f in findings}
    filled = 0
    for component in bom.get("components", []):
        finding = by_key.get((normalize(str(component.get("name", ""))), str(component.get("version", ""))))
        if finding is None:
            continue
        if not component.get("licenses") and finding.license:
            component["licenses"] = [{"expression": finding.license}]
            filled += 1
        component["properties"] = [*component.get("properties", []), *_properties(finding)]
    return filled


def write_sbom(tool: Path, venv: Venv, out_dir: Path, policy: Policy, validate: bool) -> list[Finding]:
    """Run cyclonedx-py on the venv's python, annotate its JSON, write OUT/<venv>.cdx.json; return the verdicts."""
    target = out_dir / f"{venv.name}.cdx.json"
    command = [str(tool), "environment", "--of", "JSON", "--output-reproducible", "-o", str(target)]
    command += ["--validate" if validate else "--no-validate", str(venv.path / "bin" / "python")]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"cyclonedx-py failed for {venv.path}:\n{result.stderr[-2000:]}")
    bom = json.loads(target.read_text(encoding="utf-8"))
    findings = judge_venv(venv, read_packages(venv), policy)
    filled = annotate(bom, findings)
    target.write_text(json.dumps(bom, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    unknown = sum(1 for f in findings if not f.license)
    print(f"sbom: {target} ({len(bom.get('components', []))} components, {filled} licenses filled, {unknown} unknown)")
    return findings


def _parse_venv(spec: str) -> Venv:
    name, _, path = spec.partition("=")
    if not name or not path:
        raise argparse.ArgumentTypeError(f"--venv {spec!r}: expected NAME=VENV_DIR, e.g. pyairbyte=.venvs/pyairbyte")
    return Venv(name, Path(path), "image")


def main(argv: list[str] | None = None) -> int:
    """Write one SBOM per venv; exit 1 if cyclonedx-py fails on any."""
    parser = argparse.ArgumentParser(prog="python -m licensing.sbom", description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path, default=REPO_ROOT / ".venvs" / "sbom" / "bin" / "cyclonedx-py")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "sbom")
    parser.add_argument("--venv", type=_parse_venv, action="append", help="NAME=VENV_DIR (repeatable)")
    parser.add_argument("--validate", action="store_true", help="validate against the CycloneDX schema (~12 s/venv)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a policy violation (the image build)")
    args = parser.parse_args(argv)
    venvs = args.venv or [venv for venv in repo_venvs() if venv.scope == "image"]
    args.out.mkdir(parents=True, exist_ok=True)
    policy = load_policy()
    try:
        findings = [f for venv in venvs for f in write_sbom(args.tool, venv, args.out, policy, args.validate)]
    except (RuntimeError, FileNotFoundError) as error:
        print(f"sbom: {error}", file=sys.stderr)
        return 1
    violations = [f for f in findings if f.verdict == "violation"]
    for finding in violations:
        print("LICENSE VIOLATION: " + finding.render(), file=sys.stderr)
    return 1 if violations and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
