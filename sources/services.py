"""Every write to sources goes through these functions, each audited in its transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from sources.models import Source
from workbench.actions import AuditAction
from workbench.audit import audit_log
from workbench.conflicts import StaleEdit
from workbench.models import AuditEvent
from workbench.permissions import require_perm


class StaleSource(StaleEdit):
    """The source changed after the editor opened it: says who changed what, and when."""

    opened = "this page"
    unknown_change = "changed this source"
    advice = "Nothing was saved: your values are kept below; look at theirs above, then save again."

    def __init__(self, source: Source, seen_version: int) -> None:
        self.source = source
        super().__init__(source, seen_version)

    def describe_change(self, event: AuditEvent) -> str:
        # In the form's order: PostgreSQL's jsonb does not keep the order `after` was written in.
        changed = [name for name in Source.EDITABLE_FIELDS if name in (event.after or {})]
        fields = ", ".join(Source._meta.get_field(name).verbose_name for name in changed)
        return f"changed {fields}" if fields else self.unknown_change


def source_update(
    *, source: Source, actor, reason: str = "", version: int | None = None, **changes
) -> Source:
    """Change a source's details or reliability; audit the fields that changed, before and after.

    Only Source.EDITABLE_FIELDS may change. `version` is the source version the editor saw:
    if the source changed since, StaleSource says who changed what and nothing is written
    (None for writers that read the current values themselves: the CSV import, the article
    import, admin actions). Values are validated (full_clean) before anything is written; a
    call that changes nothing writes nothing. Raises PermissionDenied for a user without the
    Editors' permission, ValidationError for a bad value.
    """
    require_perm(actor, "sources.change_source", "edit sources")
    unknown = set(changes) - set(Source.EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        current = Source.objects.select_for_update().get(pk=source.pk)
        if version is not None and current.version != version:
            raise StaleSource(current, version)
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
        current.version += 1
        current.save(update_fields=[*after, "version", "updated_at"])
        audit_log(
            actor=actor,
            action=AuditAction.SOURCE_UPDATE,
            obj=current,
            before=before,
            after=after,
            reason=reason.strip(),
        )
    return current
