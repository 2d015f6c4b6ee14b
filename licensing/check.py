"""`make license-check`: fail when a package of any venv carries a license the policy neither allows nor explains.

    .venv/bin/python -m licensing.check            every venv of scripts/bootstrap.sh
    .venv/bin/python -m licensing.check --flagged  also list the flagged packages the policy keeps, with reasons

Exit 0 when clean, 1 with one block per offending package (package, version, license found, venv, the fix).
"""

import argparse
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from licensing.policy import POLICY_PATH, Policy, load_policy, normalize
from licensing.resolve import is_allowed, license_ids, resolve_license
from licensing.venvs import Venv, package_scope, read_packages, repo_venvs


@dataclass(frozen=True)
class Finding:
    """The verdict on one package in one venv: ok, kept with a reason (flagged), or a violation."""

    venv: str
    scope: str
    name: str
    version: str
    license: str | None
    source: str
    verdict: str  # allowed | kept | violation
    note: str = ""

    def render(self) -> str:
        """The operator-facing block: what was found, where, and what to do."""
        found = self.license or "none found (no License-Expression, License, classifier or license file)"
        return (
            f"{self.name} {self.version} in venv {self.venv} ({self.scope}): license {found} [from {self.source}]\n"
            f"    {self.note}"
        )


def _fix(name: str, policy: Policy, expression: str | None) -> str:
    families = [policy.flagged[i] for i in license_ids(expression or "") if i in policy.flagged]
    why = f" Flagged: {families[0]}" if families else ""
    return (
        f"not allowed by {POLICY_PATH.name}.{why} Fix: add [packages.{normalize(name)}] with license and reason "
        f"to licensing/policy.toml (docs/licensing.md), or drop the dependency."
    )


def judge(package: Mapping[str, Any], venv: str, scope: str, policy: Policy) -> Finding:
    """Decide one package: an explicit rule wins, else its resolved license must be allowed."""
    name, version = str(package.get("name") or "unknown"), str(package.get("version") or "")
    resolved = resolve_license(package, policy.aliases, policy.known_ids)
    rule = policy.packages.get(normalize(name))
    base = {"venv": venv, "scope": scope, "name": name, "version": version, "source": resolved.source}
    if rule is not None:
        expression = rule.license or resolved.expression
        source = "policy.toml" if rule.license else resolved.source
        if rule.dev_only and scope != "dev":
            note = f"policy keeps it only as a dev tool ({rule.reason}); here it is in a {scope}-scope venv: drop it."
            return Finding(**{**base, "source": source}, license=expression, verdict="violation", note=note)
        return Finding(**{**base, "source": source}, license=expression, verdict="kept", note=rule.reason)
    if resolved.expression and is_allowed(resolved.expression, policy.allowed):
        return Finding(**base, license=resolved.expression, verdict="allowed")
    note = _fix(name, policy, resolved.expression)
    return Finding(**base, license=resolved.expression, verdict="violation", note=note)


def judge_venv(venv: Venv, packages: Iterable[Mapping[str, Any]], policy: Policy) -> list[Finding]:
    """Every package of one venv, each with its scope (dev tools of .venv apart from what the image ships)."""
    return [judge(pkg, venv.name, package_scope(venv, str(pkg.get("name") or "")), policy) for pkg in packages]


def check_venvs(venvs: Iterable[Venv], policy: Policy) -> list[Finding]:
    """Read each venv once (its own python) and judge its packages."""
    return [finding for venv in venvs for finding in judge_venv(venv, read_packages(venv), policy)]


def main(argv: list[str] | None = None) -> int:
    """Print violations (and, with --flagged, the kept exceptions); exit 1 on any violation."""
    parser = argparse.ArgumentParser(prog="python -m licensing.check", description=__doc__.splitlines()[0])
    parser.add_argument("--flagged", action="store_true", help="also list packages kept with a reason")
    args = parser.parse_args(argv)
    findings = check_venvs(repo_venvs(), load_policy())
    violations = [f for f in findings if f.verdict == "violation"]
    if args.flagged:
        print("Kept with a reason (licensing/policy.toml):")
        for finding in (f for f in findings if f.verdict == "kept"):
            print("  " + finding.render())
    for finding in violations:
        print("LICENSE VIOLATION: " + finding.render(), file=sys.stderr)
    counts = {v: sum(f.verdict == v for f in findings) for v in ("allowed", "kept", "violation")}
    print(
        f"license-check: {len(findings)} packages, {counts['allowed']} allowed, {counts['kept']} kept with a "
        f"reason, {counts['violation']} violations"
    )
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
