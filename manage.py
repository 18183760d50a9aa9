#!/usr/bin/env python
"""Django's command-line utility for the workbench."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A bad setting is the operator's to fix: say which, without a traceback.
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
