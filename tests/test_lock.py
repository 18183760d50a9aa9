"""requirements/lock.txt pins every dependency pyproject.toml declares, within its range."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def test_the_lock_pins_each_declared_dependency_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = {
        canonicalize_name(name): version
        for name, version in PIN.findall((ROOT / "requirements" / "lock.txt").read_text())
    }

    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements/lock.txt: re-run uv pip compile"
        assert requirement.specifier.contains(locked[name]), (
            f"{name}=={locked[name]} in the lock is outside {requirement.specifier}: re-lock"
        )
