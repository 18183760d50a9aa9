"""Publishing services: put a claim's review on its public page, or take it down.

Publishing records the decision it publishes (`Claim.published_decision`), when
(`published_at`) and the footnotes the review stands on (`published_citations`): the public
page shows the claim as of that decision, and a later decision changes nothing public until an
editor publishes again. Each write is audited (`claim.publish`, `claim.unpublish`) in its own
transaction and, for one claim, checks the version the editor saw.

Only editors publish. The Editors' marker permission, "claims.lock_claim", is what the check
asks for: a permission of its own would have to be added to workbench/roles.py, whose
sync_roles() gives each group exactly the permissions listed there (a grant made elsewhere
would be taken back by the next sync).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from claims.models import Claim
from claims.publish.selectors import PUBLISHABLE, attached_signatures
from claims.services.rules import StaleVersion, claim_update
from sources.models import Document
from workbench.audit import audit_append, jsonable
from workbench.db import bulk_set
from workbench.models import AuditEvent
from workbench.permissions import require_perm

PUBLISH = "claims.lock_claim"


def _refuse_unpublishable(claim: Claim) -> None:
    if claim.withdrawn_at is not None:
        raise ValidationError(
            f"Claim {claim.pk} was withdrawn: its line is no longer in the document.",
            code="withdrawn",
        )
    if claim.needs_rereview:
        raise ValidationError(
            f"Claim {claim.pk}'s footnotes changed after its decision: decide it again, then "
            "publish.",
            code="rereview",
        )
    if claim.last_decision_id is None or claim.verdict not in PUBLISHABLE:
        raise ValidationError(f"Claim {claim.pk} has no verdict to publish.", code="undecided")


def _lock_seen(claim: Claim, version: int) -> Claim:
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if current.version != version:
        raise StaleVersion(current, version)
    return current


def claim_publish(*, claim: Claim, actor, version: int, reason: str = "") -> Claim:
    """Publish `claim`'s latest decision on its public review page (editors).

    `version` is the claim version the editor saw: StaleVersion if it changed since (they would
    publish a decision they have not seen). Raises ValidationError for a withdrawn claim, one
    needing re-review, one without a verdict, or one whose current review is already published.
    Locked claims may be published: locking is how a settled review is kept as it is.
    """
    require_perm(actor, PUBLISH, "publish reviews")
    with transaction.atomic():
        current = _lock_seen(claim, version)
        _refuse_unpublishable(current)
        signature = attached_signatures([current.pk])[current.pk]
        if (
            current.published_decision_id == current.last_decision_id
            and current.published_citations == signature
        ):
            raise ValidationError(
                f"Claim {current.pk}'s latest decision is already published.", code="published"
            )
        changes = {
            "published_decision_id": current.last_decision_id,
            "published_at": timezone.now(),
            "published_citations": signature,
        }
        return claim_update(current, actor, "claim.publish", changes, reason.strip())


def claim_unpublish(*, claim: Claim, actor, version: int, reason: str = "") -> Claim:
    """Take `claim`'s review off the public pages (editors); `version` as for claim_publish.

    Its page answers 404 from then on; the decisions and the audit trail keep what was public.
    """
    require_perm(actor, PUBLISH, "unpublish reviews")
    with transaction.atomic():
        current = _lock_seen(claim, version)
        if current.published_decision_id is None:
            raise ValidationError(f"Claim {current.pk} is not published.", code="unpublished")
        changes = {"published_decision_id": None, "published_at": None, "published_citations": ""}
        return claim_update(current, actor, "claim.unpublish", changes, reason.strip())


def document_publish(*, document: Document, actor, reason: str = "") -> list[int]:
    """Publish every decided, live claim of `document` not needing re-review (editors).

    Claims whose latest decision is already published, on the same footnotes, are left as they
    are. One transaction, one `claim.publish` event per claim published; returns their ids.
    No version is checked: the editor chose the document, not what each claim said.
    """
    require_perm(actor, PUBLISH, "publish reviews")
    now = timezone.now()
    with transaction.atomic():
        candidates = list(
            Claim.objects.select_for_update()
            .filter(
                document=document,
                withdrawn_at__isnull=True,
                needs_rereview=False,
                verdict__in=PUBLISHABLE,
                last_decision__isnull=False,
            )
            .order_by("pk")
        )
        signatures = attached_signatures([claim.pk for claim in candidates])
        chosen = [
            claim
            for claim in candidates
            if claim.published_decision_id != claim.last_decision_id
            or claim.published_citations != signatures[claim.pk]
        ]
        if not chosen:
            return []
        bulk_set(
            Claim,
            [(c.pk, c.last_decision_id, signatures[c.pk]) for c in chosen],
            ["published_decision_id", "published_citations"],
        )
        Claim.objects.filter(pk__in=[c.pk for c in chosen]).update(
            published_at=now, version=F("version") + 1, updated_at=now
        )
        events = []
        for claim in chosen:
            before = {
                "published_decision_id": claim.published_decision_id,
                "published_at": claim.published_at,
                "published_citations": claim.published_citations,
            }
            after = {
                "published_decision_id": claim.last_decision_id,
                "published_at": now,
                "published_citations": signatures[claim.pk],
                "version": claim.version + 1,
            }
            events.append(_event(actor, "claim.publish", claim, before, after, reason))
        audit_append(events)
    return [claim.pk for claim in chosen]


def document_unpublish(*, document: Document, actor, reason: str = "") -> list[int]:
    """Take every published review of `document` off the public pages (editors); return ids."""
    require_perm(actor, PUBLISH, "unpublish reviews")
    now = timezone.now()
    with transaction.atomic():
        chosen = list(
            Claim.objects.select_for_update()
            .filter(document=document, published_decision__isnull=False)
            .order_by("pk")
        )
        if not chosen:
            return []
        Claim.objects.filter(pk__in=[c.pk for c in chosen]).update(
            published_decision=None,
            published_at=None,
            published_citations="",
            version=F("version") + 1,
            updated_at=now,
        )
        audit_append(
            [
                _event(
                    actor,
                    "claim.unpublish",
                    claim,
                    {
                        "published_decision_id": claim.published_decision_id,
                        "published_at": claim.published_at,
                        "published_citations": claim.published_citations,
                    },
                    {
                        "published_decision_id": None,
                        "published_at": None,
                        "published_citations": "",
                        "version": claim.version + 1,
                    },
                    reason,
                )
                for claim in chosen
            ]
        )
    return [claim.pk for claim in chosen]


def _event(actor, action: str, claim: Claim, before: dict, after: dict, reason: str) -> AuditEvent:
    """Return an unsaved audit event like audit_log's, for audit_append to chain in bulk."""
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=claim._meta.label_lower,
        object_id=str(claim.pk),
        before=jsonable(before),
        after=jsonable(after),
        reason=reason.strip(),
    )
