"""Every write to sources goes through these functions, each audited in its transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from sources.models import Source
from workbench.audit import audit_log
from workbench.permissions import require_perm


def source_update(*, source: Source, actor, reason: str = "", **changes) -> Source:
    """Change a source's details or reliability; audit the fields that changed, before and after.

    Only Source.EDITABLE_FIELDS may change. Values are validated (full_clean) before anything is
    written; a call that changes nothing writes nothing. Raises PermissionDenied for a user
    without the Editors' permission, ValidationError for a bad value.
    """
    require_perm(actor, "sources.change_source", "edit sources")
    unknown = set(changes) - set(Source.EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        current = Source.objects.select_for_update().get(pk=source.pk)
        before, after = {}, {}
        for name, value in changes.items():
            if value is None and name not in ("published_on", "accessed_on", "archive_date"):
                value = ""
            if getattr(current, name) != value:
                before[name] = getattr(current, name)
                after[name] = value
                setattr(current, name, value)
        if not after:
            return current
        current.full_clean(exclude=["document"])
        current.save(update_fields=[*after, "updated_at"])
        audit_log(
            actor=actor,
            action="source.update",
            obj=current,
            before=before,
            after=after,
            reason=reason.strip(),
        )
    return current
