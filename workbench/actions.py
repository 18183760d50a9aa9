"""Every action an audit event can record: the services write these, the admin filters by them.

The values are stored in AuditEvent.action and covered by each event's hash: never rename one;
add a member for a new action.
"""

from django.db import models


class AuditAction(models.TextChoices):
    DOCUMENT_IMPORT = "document.import", "Document imported"
    DOCUMENT_DELETE = "document.delete", "Document deleted"
    CLAIM_DECIDE = "claim.decide", "Claim decided"
    CLAIM_LOCK = "claim.lock", "Claim locked"
    CLAIM_REOPEN = "claim.reopen", "Claim reopened"
    CLAIM_WITHDRAW = "claim.withdraw", "Claim withdrawn"
    CLAIM_RESTORE = "claim.restore", "Claim back in its document"
    CLAIM_REVIEW = "claim.review", "Blind review recorded"
    CLAIM_PUBLISH = "claim.publish", "Review published"
    CLAIM_UNPUBLISH = "claim.unpublish", "Review taken down"
    DOCUMENT_REVIEW_MODE = "document.review_mode", "Review mode set"
    SOURCE_SNAPSHOT = "source.snapshot", "Source snapshot kept"
    CITATION_CONFIRM = "citation.confirm", "Footnote confirmed"
    CITATION_MOVE = "citation.move", "Footnote moved away"
    CITATION_RECEIVE = "citation.receive", "Footnote moved here"
    CITATION_DETACH = "citation.detach", "Footnote detached"
    CITATION_RESTORE = "citation.restore", "Footnote action undone"
    CLAIM_SKIP = "claim.skip", "Claim skipped in the queue"
    CLAIM_ASSIGN = "claim.assign", "Claim assigned"
    CLAIM_NOTE = "claim.note", "Note posted"
    USER_ROLE_GRANT = "user.role_grant", "Role granted"
    USER_ROLE_REVOKE = "user.role_revoke", "Role removed"
    SOURCE_UPDATE = "source.update", "Source edited"
