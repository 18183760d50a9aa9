"""Every export of claims and their history, one module per format.

- rows.py         what they share: keyset batches, HTML-safe JSON, the one CSV convention
- csv.py          the claims CSV (Python writer; HEADER)
- copy_sql.py     the same CSV written by PostgreSQL's COPY
- citations.py    the citations CSV, one row per footnote (the analyst's join)
- jsonl.py        the claims as JSON Lines, every field
- decisions.py    the decision history CSV
- claimreview.py  schema.org ClaimReview JSON-LD of the published reviews
- fever.py        FEVER JSON Lines, the official scorer's shape
"""

from claims.exports.citations import CITATION_HEADER, citations_csv
from claims.exports.claimreview import (
    RATINGS,
    claim_review,
    claim_review_preview,
    claim_reviews,
    claim_reviews_json,
)
from claims.exports.copy_sql import claims_copy_statement
from claims.exports.csv import HEADER, claims_csv
from claims.exports.decisions import DECISION_HEADER, REVIEW_COLUMNS, decisions_csv
from claims.exports.fever import (
    DISPUTED_LABEL,
    FEVER_LABELS,
    FeverReport,
    evidence_sentence,
    fever_jsonl,
    fever_record,
)
from claims.exports.jsonl import claims_jsonl
from claims.exports.rows import csv_line, join_items, json_text, neutralise

__all__ = [
    "CITATION_HEADER",
    "DECISION_HEADER",
    "DISPUTED_LABEL",
    "FEVER_LABELS",
    "HEADER",
    "RATINGS",
    "REVIEW_COLUMNS",
    "FeverReport",
    "citations_csv",
    "claim_review",
    "claim_review_preview",
    "claim_reviews",
    "claim_reviews_json",
    "claims_copy_statement",
    "claims_csv",
    "claims_jsonl",
    "csv_line",
    "decisions_csv",
    "evidence_sentence",
    "fever_jsonl",
    "fever_record",
    "join_items",
    "json_text",
    "neutralise",
]
