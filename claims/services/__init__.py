"""Every write to claims, citations, decisions and assessments goes through these functions.

Each runs in one transaction and appends its AuditEvent there (workbench.audit.audit_log).
Views, admin actions and management commands call them; nothing else writes these models.

- imports.py      document_import (and the COPY / bulk_create inserters)
- review.py       claim_decide (a blind review in double-review mode), claim_adjudicate,
                  claim_lock, claim_reopen, claim_withdraw, document_set_review_mode
- attribution.py  citation_confirm, citation_move, citation_detach, citations_confirm_all
- undo.py         citation_undo (an attribution action taken back, audited)
- queue.py        queue_take (the next claim, held for its reviewer), claim_skip
- assignment.py   claim_assign, document_assign
- notes.py        claim_note_add (the discussion, with @mentions)
- roles.py        user_role_grant, user_role_revoke, user_roles_set (roles, from the admin)
- bulk.py         claim_decide_many
- documents.py    document_delete
- publishing.py   claim_publish, claim_unpublish, document_publish, document_unpublish
- rules.py        what every claim write checks: open, version seen, reason, rationale
"""

from claims.services.assignment import claim_assign, document_assign
from claims.services.attribution import (
    citation_confirm,
    citation_detach,
    citation_move,
    citations_confirm_all,
)
from claims.services.bulk import BulkDecision, claim_decide_many
from claims.services.documents import document_delete
from claims.services.imports import ImportReport, document_import
from claims.services.notes import claim_note_add
from claims.services.publishing import (
    claim_publish,
    claim_unpublish,
    document_publish,
    document_unpublish,
)
from claims.services.queue import QueueTake, claim_skip, queue_release, queue_take
from claims.services.review import (
    ReviewOutcome,
    ReviewStep,
    claim_adjudicate,
    claim_decide,
    claim_lock,
    claim_reopen,
    claim_withdraw,
    document_set_review_mode,
)
from claims.services.roles import (
    group_member_add,
    group_member_remove,
    user_role_grant,
    user_role_revoke,
    user_roles_set,
)
from claims.services.rules import AssessmentInput, StaleVersion, rationale_required
from claims.services.undo import citation_undo

__all__ = [
    "AssessmentInput",
    "BulkDecision",
    "ImportReport",
    "ReviewOutcome",
    "ReviewStep",
    "QueueTake",
    "StaleVersion",
    "citation_confirm",
    "citation_detach",
    "citation_move",
    "claim_adjudicate",
    "citation_undo",
    "citations_confirm_all",
    "claim_assign",
    "claim_decide",
    "claim_decide_many",
    "claim_lock",
    "claim_note_add",
    "claim_publish",
    "claim_reopen",
    "claim_skip",
    "claim_unpublish",
    "claim_withdraw",
    "document_assign",
    "document_delete",
    "document_import",
    "document_publish",
    "document_set_review_mode",
    "document_unpublish",
    "group_member_add",
    "group_member_remove",
    "queue_release",
    "queue_take",
    "rationale_required",
    "user_role_grant",
    "user_role_revoke",
    "user_roles_set",
]
