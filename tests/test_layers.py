"""The dependency rules docs/design.md states, checked on each module's import statements.

- workbench/ (the project package) imports no feature app: claims, sources and bench build on it.
- In sources/, only the read layer (selectors, views, admin) imports claims, to show the
  claims citing a source; its models, services and the rest never do.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES_READ_LAYER = {"selectors.py", "views.py", "admin.py"}


def imported_apps(path: Path) -> set[str]:
    """Return the top-level packages `path` imports, anywhere in the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("workbench"), ids=str)
def test_the_project_package_imports_no_feature_app(path):
    assert not imported_apps(path) & {"claims", "sources", "bench"}


@pytest.mark.parametrize(
    "path",
    [p for p in modules("sources") if p.name not in SOURCES_READ_LAYER],
    ids=str,
)
def test_sources_beyond_its_read_layer_imports_nothing_from_claims(path):
    assert "claims" not in imported_apps(path)


def test_the_checks_see_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from claims.models import Claim\n")

    assert imported_apps(module) == {"claims"}
