"""The claims' read layer (claims/selectors.py), called directly rather than through a page."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from claims.models import Claim, Verdict
from claims.selectors import (
    COUNT_CAP,
    InvalidFilters,
    citation_get_for_user,
    claim_export_for_user,
    claim_export_list,
    claim_get_for_user,
    claim_history,
    claim_list,
    claim_list_for_user,
    claim_neighbours,
    claim_page,
    claim_verdict_counts,
    count_label,
    dashboard_for_user,
    dashboard_verdicts_by_document,
    decisions_export_for_user,
    decisions_recent,
    parse_cursor,
    review_queue_for_user,
)
from tests.factories import (
    AssessmentFactory,
    AuditEventFactory,
    CitationFactory,
    ClaimFactory,
    DecisionFactory,
    DocumentFactory,
    UserFactory,
)
from workbench.actions import AuditAction

# --- Access: every *_for_user selector refuses a user without a role ---------------------------

FOR_USER = {
    "claim list": lambda user, claim: claim_list_for_user(user=user, filters={}),
    "claim export": lambda user, claim: claim_export_for_user(user=user, filters={}),
    "decisions export": lambda user, claim: decisions_export_for_user(user=user),
    "claim": lambda user, claim: claim_get_for_user(user=user, pk=claim.pk),
    "citation": lambda user, claim: citation_get_for_user(
        user=user, claim_pk=claim.pk, pk=claim.citations.get().pk
    ),
    "review queue": lambda user, claim: review_queue_for_user(user=user),
    "dashboard": lambda user, claim: dashboard_for_user(user=user),
}


@pytest.mark.parametrize("read", FOR_USER.values(), ids=FOR_USER.keys())
def test_a_user_without_a_role_is_refused(db, read):
    claim = CitationFactory().claim

    with pytest.raises(PermissionDenied):
        read(UserFactory(), claim)


@pytest.mark.parametrize("read", FOR_USER.values(), ids=FOR_USER.keys())
def test_a_viewer_may_read(db, charlie, read):
    claim = CitationFactory().claim

    read(charlie, claim)  # no PermissionDenied


def test_a_write_permission_asked_of_a_viewer_is_refused_before_the_claim_is_looked_up(charlie):
    with pytest.raises(PermissionDenied, match="You may not do this"):
        claim_get_for_user(user=charlie, pk=10**9, permission="claims.add_decision")


def test_a_missing_claim_or_a_citation_of_another_claim_is_404(db, charlie):
    one, other = CitationFactory(), CitationFactory()

    with pytest.raises(Http404):
        claim_get_for_user(user=charlie, pk=10**9)
    with pytest.raises(Http404):
        citation_get_for_user(user=charlie, claim_pk=one.claim_id, pk=other.pk)


# --- Filters --------------------------------------------------------------------------------


def test_the_list_filters_by_verdict_and_leaves_withdrawn_claims_out(db):
    document = DocumentFactory()
    refuted = ClaimFactory(document=document, verdict=Verdict.REFUTED)
    ClaimFactory(document=document, verdict=Verdict.CORROBORATED)
    ClaimFactory(document=document, verdict=Verdict.REFUTED, withdrawn_at=timezone.now())

    assert list(claim_list(filters={"verdict": "refuted"})) == [refuted]
    assert claim_list(filters={"verdict": "refuted", "withdrawn": "any"}).count() == 2


def test_invalid_filters_are_refused_naming_each_filter(db):
    with pytest.raises(InvalidFilters) as exc:
        claim_list(filters={"verdict": "maybe", "locked": "perhaps"})

    assert set(exc.value.errors) == {"verdict", "locked"}
    assert "verdict:" in str(exc.value)


def test_an_export_holds_reviewed_claims_unless_asked_for_all(db):
    document = DocumentFactory()
    decided = ClaimFactory(document=document, verdict=Verdict.DISPUTED)
    ClaimFactory(document=document)

    assert list(claim_export_list(filters={})) == [decided]
    assert claim_export_list(filters={}, include_all=True).count() == 2


# --- Pages and cursors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "cursor", "numbers"),
    [
        ("line", "3.14.15", (3, 14, 15)),
        ("decided", "92.65", (92, 65)),
        ("decided", "n.35", (None, 35)),
        ("line", f"1.1.{2**63 - 1}", (1, 1, 2**63 - 1)),
    ],
)
def test_a_cursor_parses_to_its_numbers(sort, cursor, numbers):
    assert parse_cursor(sort, cursor) == numbers


@pytest.mark.parametrize(
    ("sort", "cursor", "problem"),
    [
        ("line", "3.14", "a line cursor has 3 numbers"),
        ("decided", "1.2.3", "a decided cursor has 2 numbers"),
        ("line", "n.1.2", "'n' is not a row number"),  # only a decided cursor may say "never"
        ("line", "1.².3", "'²' is not a row number"),  # isdigit() is true, int() refuses it
        ("line", "1.-2.3", "'-2' is not a row number"),
        ("decided", f"{2**63}.1", "is not a row number"),  # beyond a 64-bit id
    ],
)
def test_a_malformed_cursor_says_what_is_wrong(sort, cursor, problem):
    with pytest.raises(ValueError, match=problem):
        parse_cursor(sort, cursor)


@pytest.mark.parametrize("sort", ["line", "decided"])
def test_pages_cover_every_claim_once_in_order(db, sort):
    documents = [DocumentFactory(), DocumentFactory()]
    claims = [ClaimFactory(document=documents[n % 2], line=n) for n in range(1, 12)]
    for claim in claims[::3]:
        decision = DecisionFactory(claim=claim)
        Claim.objects.filter(pk=claim.pk).update(last_decision=decision)

    seen, after = [], ""
    while True:
        page = claim_page(Claim.objects.all(), sort=sort, after=after, size=4)
        seen += page.rows
        if not page.next_cursor:
            break
        after = page.next_cursor

    if sort == "line":
        expected = sorted(claims, key=lambda c: (c.document_id, c.line, c.id))
    else:
        decided = Claim.objects.filter(last_decision__isnull=False).order_by("-last_decision_id")
        undecided = Claim.objects.filter(last_decision__isnull=True).order_by("-id")
        expected = [*decided, *undecided]
    assert [c.pk for c in seen] == [c.pk for c in expected]


def test_verdict_counts_stop_at_the_cap(db, monkeypatch):
    monkeypatch.setattr("claims.selectors.COUNT_CAP", 2)
    document = DocumentFactory()
    for _ in range(4):
        ClaimFactory(document=document, verdict=Verdict.REFUTED)
    ClaimFactory(document=document)

    counts = claim_verdict_counts(Claim.objects.all())

    assert counts == {"unreviewed": 1, "corroborated": 0, "disputed": 0, "refuted": 3}


def test_a_count_at_the_cap_is_shown_with_a_plus():
    assert (count_label(COUNT_CAP), count_label(COUNT_CAP + 1)) == ("10,000", "10,000+")


# --- Claim pages ----------------------------------------------------------------------------


def test_a_claims_neighbours_are_the_nearest_live_lines_of_its_document(db):
    document = DocumentFactory()
    before = ClaimFactory(document=document, line=1)
    ClaimFactory(document=document, line=2, withdrawn_at=timezone.now())
    claim = ClaimFactory(document=document, line=3)
    ClaimFactory(line=4)  # another document

    assert claim_neighbours(claim) == (before, None)


def test_the_history_is_newest_first_and_each_decision_brings_its_assessments(db):
    assessment = AssessmentFactory(stance="refutes")
    claim = assessment.citation.claim
    AuditEventFactory(
        subject=claim,
        action=AuditAction.CLAIM_DECIDE,
        after={"verdict": "refuted", "decision": assessment.decision_id},
    )
    AuditEventFactory(subject=claim, action=AuditAction.CLAIM_LOCK)
    AuditEventFactory(action=AuditAction.CLAIM_LOCK)  # about another claim

    history = claim_history(claim)

    assert [entry.summary for entry in history] == [
        "locked this claim",
        "marked this claim refuted",
    ]
    assert history[1].decision == assessment.decision
    assert list(history[1].decision.assessments.all()) == [assessment]


# --- Dashboard ------------------------------------------------------------------------------


def test_the_dashboard_counts_live_claims_by_verdict_per_document(db):
    document = DocumentFactory(name="a.txt")
    ClaimFactory(document=document, verdict=Verdict.REFUTED)
    ClaimFactory(document=document)
    ClaimFactory(document=document, withdrawn_at=timezone.now())

    [row] = dashboard_verdicts_by_document()

    assert (row["name"], row["total"]) == ("a.txt", 2)
    assert {bar["verdict"]: (bar["n"], bar["percent"]) for bar in row["bars"]} == {
        "unreviewed": (1, 50.0),
        "corroborated": (0, 0.0),
        "disputed": (0, 0.0),
        "refuted": (1, 50.0),
    }


def test_recent_decisions_are_everyones_or_one_reviewers_newest_first(db, bob, alice):
    first = DecisionFactory(actor=bob)
    second = DecisionFactory(actor=alice)
    third = DecisionFactory(actor=bob)

    assert decisions_recent(limit=2) == [third, second]
    assert decisions_recent(actor=bob) == [third, first]


@pytest.mark.parametrize("words", ["москва", "МОСКВА", "Москва", "ΑΘΉΝΑ", "athens"])
def test_text_search_folds_case_in_every_alphabet(db, words):
    from tests.factories import ClaimFactory

    claim = ClaimFactory(text="Protests spread from Москва to Αθήνα and to Athens.")
    ClaimFactory(text="Nothing about it here.")

    assert list(claim_list(filters={"q": words})) == [claim]


def test_unfiltered_and_per_document_counts_come_from_the_kept_counts(db, monkeypatch):
    monkeypatch.setattr("claims.selectors.COUNT_CAP", 2)
    one, two = DocumentFactory(name="one.txt"), DocumentFactory(name="two.txt")
    for _ in range(4):
        ClaimFactory(document=one, verdict=Verdict.REFUTED)
    ClaimFactory(document=two)
    ClaimFactory(document=two, withdrawn_at=timezone.now())
    everything = claim_verdict_counts(Claim.objects.live(), {"q": ""})
    assert everything == {"unreviewed": 1, "corroborated": 0, "disputed": 0, "refuted": 3}
    assert claim_verdict_counts(Claim.objects.none(), {"document": "two.txt"}) == {
        "unreviewed": 1,
        "corroborated": 0,
        "disputed": 0,
        "refuted": 0,
    }
