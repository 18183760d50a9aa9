"""Every export of claims and their history, one module per format.

- csv.py          the claims CSV (Python writer; HEADER, neutralise)
- copy_sql.py     the same CSV written by PostgreSQL's COPY
- decisions.py    the decision history CSV
- claimreview.py  schema.org ClaimReview JSON-LD
- fever.py        FEVER-style JSON Lines
- rows.py         what they share: keyset batches, citations by claim
"""

from claims.exports.claimreview import (
    RATINGS,
    claim_review,
    claim_review_for_claim,
    claim_reviews,
    claim_reviews_json,
)
from claims.exports.copy_sql import claims_copy_statement
from claims.exports.csv import HEADER, claims_csv
from claims.exports.decisions import DECISION_HEADER, decisions_csv
from claims.exports.fever import FEVER_LABELS, fever_jsonl, fever_record
from claims.exports.rows import neutralise

__all__ = [
    "DECISION_HEADER",
    "FEVER_LABELS",
    "HEADER",
    "RATINGS",
    "claim_review",
    "claim_review_for_claim",
    "claim_reviews",
    "claim_reviews_json",
    "claims_copy_statement",
    "claims_csv",
    "decisions_csv",
    "fever_jsonl",
    "fever_record",
    "neutralise",
]
