"""licensing/policy.toml as typed data: allowed ids, aliases, flagged families and per-package exceptions."""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

POLICY_PATH = Path(__file__).with_name("policy.toml")
SCOPES = ("image", "dev", "test")


class PolicyError(ValueError):
    """policy.toml is malformed; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class PackageRule:
    """An explicit decision about one package: its license when metadata is wrong or empty, and why it is kept."""

    reason: str
    license: str | None = None
    dev_only: bool = False


@dataclass(frozen=True)
class Policy:
    """Everything the checker decides with."""

    allowed: set[str]
    aliases: dict[str, str]
    flagged: dict[str, str]  # license id -> why it is flagged
    packages: dict[str, PackageRule] = field(default_factory=dict)

    @property
    def known_ids(self) -> set[str]:
        """Ids the resolver may accept verbatim from a License field."""
        return self.allowed | set(self.flagged) | set(self.aliases.values())


def normalize(name: str) -> str:
    """PEP 503 name: `Unidecode`, `unidecode` and `uni_decode` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _rule(name: str, raw: object, path: Path) -> PackageRule:
    if not isinstance(raw, dict) or not str(raw.get("reason", "")).strip():
        raise PolicyError(f"{path}: packages.{name}.reason is missing; every exception must say why it is kept")
    unknown = set(raw) - {"reason", "license", "dev_only"}
    if unknown:
        raise PolicyError(
            f"{path}: packages.{name}: unexpected field(s) {sorted(unknown)}; use reason, license, dev_only"
        )
    return PackageRule(str(raw["reason"]), raw.get("license"), bool(raw.get("dev_only", False)))


def load_policy(path: Path = POLICY_PATH) -> Policy:
    """Read and check the policy file; a bad entry fails loudly instead of silently allowing a package."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"{path}: cannot be read as TOML: {error}") from error
    flagged = {lid: str(entry.get("reason", "")) for lid, entry in data.get("flagged", {}).items()}
    missing = [lid for lid, reason in flagged.items() if not reason.strip()]
    if missing:
        raise PolicyError(f"{path}: flagged.{missing[0]}.reason is missing; say why the license is flagged")
    return Policy(
        allowed=set(data.get("allowed", {}).get("ids", [])),
        aliases={key.lower(): value for key, value in data.get("aliases", {}).items()},
        flagged=flagged,
        packages={normalize(name): _rule(name, raw, path) for name, raw in data.get("packages", {}).items()},
    )
