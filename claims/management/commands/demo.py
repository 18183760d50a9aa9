"""manage.py demo: migrate, import seeds/, create the demo users, and serve on 127.0.0.1:8000.

It also runs the background worker (`manage.py db_worker`) beside the web server, as a
deployment does, so "Fetch the source" and large exports work in the demo too.
"""

import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Set up the demo database from seeds/ and run the development server."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--password", help="one password for every demo user")
        parser.add_argument("--no-serve", action="store_true", help="set up, do not serve")

    def handle(self, *args, addrport: str, password: str | None, no_serve: bool, **options):
        if not settings.DEBUG:
            raise CommandError("the demo runs with DEBUG=true (DEBUG=true manage.py demo)")
        call_command("migrate", verbosity=0)
        seeds = Path(settings.BASE_DIR) / "seeds"
        call_command("import_seeds", str(seeds), stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("Demo users (user, password, role):")
        call_command("create_demo_users", password=password, stdout=self.stdout)
        if no_serve:
            return
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(
            self.style.SUCCESS(f"\nThe workbench: http://{host}/  (sign in as reviewer)\n")
        )
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        worker = subprocess.Popen([sys.executable, manage, "db_worker"])  # noqa: S603
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
