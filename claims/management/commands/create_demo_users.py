"""manage.py create_demo_users: one user per role, for trying the workbench out."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from workbench.roles import ADMINS, EDITORS, REVIEWERS, VIEWERS

DEMO_USERS = [
    ("viewer", VIEWERS),
    ("reviewer", REVIEWERS),
    ("editor", EDITORS),
    ("admin", ADMINS),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo users viewer, reviewer, editor and admin; print passwords."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", help="one password for all (default: random each)")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, password: str | None, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "refusing to create demo users with DEBUG off (a production site); "
                "use --force if you mean it"
            )
        User = get_user_model()
        for username, group in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            secret = password or secrets.token_urlsafe(9)
            user.set_password(secret)
            user.is_staff = group == ADMINS
            user.save()
            user.groups.set([Group.objects.get(name=group)])
            self.stdout.write(f"  {username:<9} {secret:<16} ({group})")
