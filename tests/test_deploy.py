"""The README's deployment: `check --deploy` is clean with exactly the environment it sets.

The environment is read from the README itself (the block starting `# /etc/workbench/env`),
so the documented recipe and the checked one cannot drift apart.
"""

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# /etc/workbench/env"


def readme_environment() -> dict[str, str]:
    """Return the variables of the README's production environment block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    (block,) = [b for b in blocks if b.startswith(MARKER)]
    env = {}
    for line in block.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    # The README appends a key generated this way to the file.
    key = secrets.token_urlsafe(50)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env, "SECRET_KEY": key},
    )


def test_the_readme_production_environment_passes_check_deploy():
    result = check_deploy(readme_environment())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("dropped", "warning"),
    [
        ("SECURE_COOKIES", "security.W012"),
        ("SECURE_SSL_REDIRECT", "security.W008"),
        ("SECURE_HSTS_SECONDS", "security.W004"),
    ],
)
def test_without_each_https_setting_check_deploy_warns(dropped, warning):
    env = readme_environment()
    del env[dropped]

    result = check_deploy(env)

    assert result.returncode != 0
    assert warning in result.stderr


def test_the_readme_serves_with_the_shipped_gunicorn_config_and_runs_the_worker():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    deploy = text[text.index("## Deploying") : text.index("## Operations")]

    assert ".venv/bin/gunicorn -c gunicorn.conf.py workbench.wsgi" in deploy
    assert "manage.py db_worker" in deploy
    assert readme_environment()["DEBUG"] == "false"


def test_static_root_comes_from_the_environment(tmp_path):
    code = "from workbench import settings as s; print(s.STATIC_ROOT)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "k" * 50, "STATIC_ROOT": str(tmp_path)},
    )

    assert result.stdout.strip() == str(tmp_path)
