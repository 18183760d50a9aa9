"""manage.py review_mode: whether a document's claims need two blind reviews."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.selectors import double_review_of
from claims.services import document_set_review_mode
from sources.models import Document


class Command(BaseCommand):
    help = (
        "Say whether a document's claims need two independent, blind reviews (--double) or "
        "one (--single), whatever WORKBENCH_DOUBLE_REVIEW says; without either, print its "
        "mode. Audited under --actor, who must be an admin, with --reason."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("document", metavar="NAME", help="the document")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--double", action="store_true", help="two blind reviews a claim")
        mode.add_argument("--single", action="store_true", help="one review decides")
        parser.add_argument("--actor", metavar="USER", help="the admin acting")
        parser.add_argument("--reason", default="", help="kept in the audit trail")

    def handle(self, *args, document: str, double: bool, single: bool, **options) -> None:
        try:
            doc = Document.objects.get(name=document)
        except Document.DoesNotExist:
            raise CommandError(f"no document named {document!r}") from None
        if double or single:
            actor = options["actor"]
            if not actor:
                raise CommandError("--actor is required to change a document's review mode")
            try:
                user = get_user_model().objects.get_by_natural_key(actor)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user named {actor!r}") from None
            try:
                document_set_review_mode(
                    document=doc, actor=user, double_review=double, reason=options["reason"]
                )
            except PermissionDenied:
                raise CommandError(f"{actor} may not set review modes (an admin's right)") from None
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        mode = "double review" if double_review_of(doc.pk) else "single review"
        self.stdout.write(f"{doc.name}: {mode}")
