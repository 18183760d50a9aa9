"""manage.py publish_claims: publish (or unpublish) every decided claim of a document."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from claims.services import document_publish, document_unpublish
from sources.models import Document


class Command(BaseCommand):
    help = (
        "Publish the review of every decided, live claim of a document that does not need "
        "re-review (claims whose latest decision is already published are left alone), or "
        "with --unpublish take every published review of the document down. Audited under "
        "--actor, who must be an editor."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--document", required=True, metavar="NAME", help="the document")
        parser.add_argument("--actor", required=True, metavar="USER", help="the editor acting")
        parser.add_argument("--unpublish", action="store_true", help="take the reviews down")
        parser.add_argument("--reason", default="", help="kept in the audit trail")

    def handle(self, *args, document: str, actor: str, unpublish: bool, reason: str, **options):
        try:
            doc = Document.objects.get(name=document)
        except Document.DoesNotExist:
            raise CommandError(f"no document named {document!r}") from None
        try:
            user = get_user_model().objects.get_by_natural_key(actor)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {actor!r}") from None
        service = document_unpublish if unpublish else document_publish
        try:
            ids = service(document=doc, actor=user, reason=reason)
        except PermissionDenied:
            raise CommandError(f"{actor} may not publish reviews (an editor's right)") from None
        done = "unpublished" if unpublish else "published"
        self.stdout.write(f"{doc.name}: {len(ids)} claims {done}")
