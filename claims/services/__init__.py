"""Every write to claims, citations, decisions and assessments goes through these functions.

Each runs in one transaction and appends its AuditEvent there (workbench.audit.audit_log).
Views, admin actions and management commands call them; nothing else writes these models.

- imports.py      document_import (and the COPY / bulk_create inserters)
- review.py       claim_decide (a blind review in double-review mode), claim_adjudicate,
                  claim_lock, claim_reopen, claim_withdraw, document_set_review_mode
- attribution.py  citation_confirm, citation_move, citation_detach
- bulk.py         claim_decide_many
- documents.py    document_delete
- publishing.py   claim_publish, claim_unpublish, document_publish, document_unpublish
- rules.py        what every claim write checks: open, version seen, reason, rationale
"""

from claims.services.attribution import citation_confirm, citation_detach, citation_move
from claims.services.bulk import BulkDecision, claim_decide_many
from claims.services.documents import document_delete
from claims.services.imports import ImportReport, document_import
from claims.services.publishing import (
    claim_publish,
    claim_unpublish,
    document_publish,
    document_unpublish,
)
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
from claims.services.rules import AssessmentInput, StaleVersion, rationale_required

__all__ = [
    "AssessmentInput",
    "BulkDecision",
    "ImportReport",
    "ReviewOutcome",
    "ReviewStep",
    "StaleVersion",
    "citation_confirm",
    "citation_detach",
    "citation_move",
    "claim_adjudicate",
    "claim_decide",
    "claim_decide_many",
    "claim_lock",
    "claim_publish",
    "claim_reopen",
    "claim_unpublish",
    "claim_withdraw",
    "document_delete",
    "document_import",
    "document_publish",
    "document_set_review_mode",
    "document_unpublish",
    "rationale_required",
]
