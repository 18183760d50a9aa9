"""Set the environment the suite runs in, before Django reads its settings.

Loaded as a plugin (`-p tests.environment` in pyproject.toml), so it runs before pytest-django
imports workbench.settings: the settings refuse to start without a SECRET_KEY when DEBUG is
off, and the tests set their own.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-never-used-anywhere-else")
