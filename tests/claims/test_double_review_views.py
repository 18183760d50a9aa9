"""Double review on the pages, the queue, the JSON view and the exports: blind until both are in.

A first review's verdict, stances and rationale carry marker words that no page, export or JSON
view may show anyone but its author until the second review is in.
"""

import csv
import io
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.exports import HEADER, REVIEW_COLUMNS, claim_reviews_json, claims_csv, fever_jsonl
from claims.models import Claim, Decision, Review
from claims.services import AssessmentInput, claim_decide, claim_publish
from tests.conftest import member
from workbench.roles import ADMINS, EDITORS, REVIEWERS

SECRET = "Quokka-rationale"  # the first reviewer's rationale
QUOTE = "Wombat-quote"  # the first reviewer's quote


@pytest.fixture
def double(settings, seed):
    settings.WORKBENCH_DOUBLE_REVIEW = True
    return seed


@pytest.fixture
def dora(db):
    return member("dora", REVIEWERS)


def line(seed, number: int) -> Claim:
    return Claim.objects.get(document=seed, line=number)


def review(claim: Claim, actor, verdict: str, rationale: str, stance: str, quote: str = ""):
    claim.refresh_from_db()
    return claim_decide(
        claim=claim,
        actor=actor,
        verdict=verdict,
        version=claim.version,
        rationale=rationale,
        assessments={c.pk: AssessmentInput(stance, quote=quote) for c in claim.citations.all()},
    )


@pytest.fixture
def first(double, bob) -> Claim:
    """Line 8 (one footnote, [3]) reviewed by bob: refuted, with a secret rationale and quote."""
    claim = line(double, 8)
    review(claim, bob, "refuted", SECRET, "refutes", QUOTE)
    claim.refresh_from_db()
    return claim


@pytest.fixture
def both(first, dora) -> Claim:
    """The same claim, then reviewed by dora: corroborated. The two wait for an editor."""
    review(first, dora, "corroborated", "The paper says so.", "supports")
    first.refresh_from_db()
    return first


def page(client, user, url: str, status: int = 200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status, response.status_code
    return response.content.decode()


def leaks(text: str) -> bool:
    return SECRET in text or QUOTE in text


# --- The claim page and its history ------------------------------------------------------------


def test_the_second_reviewer_sees_one_of_two_reviews_and_nothing_of_it(client, first, dora):
    html = page(client, dora, f"/claims/{first.pk}/")

    assert "1 of 2 reviews" in html
    assert "stays hidden until the second review is in" in html
    assert not leaks(html)
    # No verdict badge before the form (the suggestion rule's table of labels aside).
    before_form = re.sub(r'<script id="suggestion-rule".*?</script>', "", html, flags=re.S)
    assert "Refuted" not in before_form.split('id="review-form"')[0]
    assert "recorded a blind review" in html  # the history says a review exists
    assert 'id="review-form"' in html


def test_the_first_reviewer_sees_their_own_review_and_no_form(client, first, bob):
    html = page(client, bob, f"/claims/{first.pk}/")

    assert "Your review is in" in html and SECRET in html and QUOTE in html
    assert 'id="review-form"' not in html


def test_once_both_reviews_are_in_everyone_sees_them_and_nobody_reviews_again(
    client, both, charlie, dora
):
    html = page(client, charlie, f"/claims/{both.pk}/")

    assert "2 of 2 reviews" in html and "The two blind reviews disagree" in html
    assert SECRET in html and "The paper says so." in html
    assert "reviewed this claim blind: refuted" in html
    assert 'id="review-form"' not in page(client, dora, f"/claims/{both.pk}/")
    assert 'id="review-form"' not in page(client, member("tom", REVIEWERS), f"/claims/{both.pk}/")


def test_posting_a_second_review_of_ones_own_is_refused_and_says_why(client, first, bob):
    client.force_login(bob)
    response = client.post(
        reverse("claims:decide", args=[first.pk]),
        {"version": first.version, "verdict": "corroborated", "rationale": "Again."},
    )

    assert response.status_code == 400
    assert "second review must be someone else" in response.content.decode()
    assert Review.objects.count() == 1


def test_reviewing_through_the_page_says_what_happened(client, double, bob, dora):
    claim = line(double, 8)
    stance = f"stance_{claim.citations.get().pk}"
    data = {"version": claim.version, "verdict": "refuted", "rationale": "No.", stance: "refutes"}

    client.force_login(bob)
    response = client.post(reverse("claims:decide", args=[claim.pk]), data, follow=True)
    assert "your blind review is in (1 of 2)" in response.content.decode()
    client.force_login(dora)
    response = client.post(reverse("claims:decide", args=[claim.pk]), data, follow=True)

    assert "marked refuted: the two blind reviews agreed" in response.content.decode()
    claim.refresh_from_db()
    assert claim.verdict == "refuted" and claim.last_decision.kind == "agreement"
    html = page(client, bob, f"/claims/{claim.pk}/")
    assert "Decided by two agreeing blind reviews" in html


# --- Lists, queue, JSON ---------------------------------------------------------------------


def test_the_list_and_the_dashboard_show_nothing_of_a_first_review(client, first, dora):
    listed = page(client, dora, f"/claims/?document={first.document.name}")
    board = page(client, dora, "/")

    assert not leaks(listed) and not leaks(board)
    row = listed.split(first.text[:40])[1].split("</tr>")[0]
    assert "Unreviewed" in row and "Refuted" not in row


def test_the_dashboard_never_lists_a_claim_its_reviewer_reviewed_as_next_up(client, double, bob):
    top = line(double, 1)
    review(top, bob, "disputed", "Denied, not disproved.", "supports")

    client.force_login(bob)
    assert top not in client.get("/").context["next_up"]
    client.force_login(member("tom", REVIEWERS))
    assert top in client.get("/").context["next_up"]


def test_the_queue_never_serves_a_reviewer_a_claim_twice(client, first, bob, dora):
    served = [
        page(client, bob, f"/review/next/?after={line(first.document, 7).pk}"),
        page(client, dora, f"/review/next/?after={line(first.document, 7).pk}"),
    ]

    assert f"Claim {first.pk}" not in served[0]
    assert f"Claim {first.pk}</h1>" in served[1] and not leaks(served[1])


def test_the_claimreview_json_of_a_claim_under_blind_review_is_404(client, both, dora):
    page(client, dora, reverse("claims:claimreview", args=[both.pk]), status=404)


# --- Exports ---------------------------------------------------------------------------------


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def export_claims() -> dict[str, dict]:
    return {row["claim_id"]: row for row in rows_of("".join(claims_csv(Claim.objects.all())))}


def test_the_claims_csv_counts_reviews_but_shows_none_of_them(client, first, dora):
    client.force_login(dora)
    text = b"".join(client.get("/claims/export.csv?all=1").streaming_content).decode()
    row = {r["claim_id"]: r for r in rows_of(text)}[str(first.pk)]

    assert not leaks(text)
    assert list(row)[-3:-1] == ["reviews", "adjudicated"] == HEADER[-3:-1]
    assert (row["verdict"], row["rationale"], row["reviews"], row["adjudicated"]) == (
        "unreviewed",
        "",
        "1",
        "false",
    )
    assert row["assessments"] == "3:unassessed"


def test_the_claims_csv_says_two_reviews_and_adjudicated_once_an_editor_decided(both, alice):
    assert export_claims()[str(both.pk)]["reviews"] == "2"  # waiting for the editor

    from claims.services import claim_adjudicate

    claim_adjudicate(
        claim=both, actor=alice, verdict="disputed", version=both.version, rationale="Unclear."
    )

    row = export_claims()[str(both.pk)]
    assert (row["verdict"], row["reviews"], row["adjudicated"]) == ("disputed", "2", "true")
    assert row["decision_count"] == "1"  # reviews are not decisions


def test_the_decisions_export_leaves_out_a_blind_review_and_marks_the_rest(first, dora):
    text = "".join(_decisions())
    assert not leaks(text)
    assert text.splitlines()[0].endswith(",".join(REVIEW_COLUMNS)) is False

    review(first, dora, "corroborated", "The paper says so.", "supports")

    rows = rows_of("".join(_decisions()))
    assert list(rows[0])[-3:] == REVIEW_COLUMNS
    bob_row, dora_row = rows
    pair = Review.objects.order_by("id")
    assert (bob_row["kind"], bob_row["review_id"], bob_row["decision_id"]) == (
        "review",
        str(pair[0].pk),
        "",
    )
    assert bob_row["rationale"] == SECRET and bob_row["assessments"] == "3:refutes"
    assert bob_row["reviews"] == dora_row["reviews"] == f"{pair[0].pk};{pair[1].pk}"


def _decisions():
    out = StringIO()
    call_command("export_decisions", stdout=out)
    return out.getvalue()


def test_fever_and_claimreview_export_only_settled_verdicts(both, alice, settings):
    def fever() -> list[int]:
        return [json.loads(record)["id"] for record in fever_jsonl(Claim.objects.all())]

    assert fever() == [] and "".join(claim_reviews_json(Claim.objects.all())) == "[\n]\n"
    claim = line(both.document, 8)
    from claims.services import claim_adjudicate

    claim_adjudicate(
        claim=claim,
        actor=alice,
        verdict="refuted",
        version=claim.version,
        rationale="The paper says otherwise.",
        assessments={claim.citations.get().pk: AssessmentInput("refutes", quote=QUOTE)},
    )
    claim.refresh_from_db()
    claim_publish(claim=claim, actor=alice, version=claim.version)

    assert fever() == [claim.pk]
    (published,) = [line for line in claim_reviews_json(Claim.objects.all(), jsonl=True)]
    assert '"reviewBody": "The paper says otherwise."' in published


# --- Adjudication pages ----------------------------------------------------------------------


def test_the_adjudication_queue_lists_disagreements_for_everyone_to_read(client, both, charlie):
    html = page(client, charlie, reverse("claims:adjudication"))

    assert "1 claim waiting" in html and both.text[:40] in html
    assert "See both reviews" in html


def test_an_editor_sees_both_reviews_side_by_side_and_decides(client, both, alice):
    url = reverse("claims:adjudication-detail", args=[both.pk])
    html = page(client, alice, url)
    assert SECRET in html and "The paper says so." in html and "Record adjudication" in html
    assert "<strong>differ</strong>" in html  # [3]: refutes against supports

    response = client.post(
        reverse("claims:adjudicate", args=[both.pk]),
        {
            "version": both.version,
            "verdict": "disputed",
            "rationale": "The sources disagree.",
            f"stance_{both.citations.get().pk}": "refutes",
        },
    )

    assert response.status_code == 302 and response["Location"] == reverse("claims:adjudication")
    both.refresh_from_db()
    decision = both.last_decision
    assert (both.verdict, decision.kind, decision.actor) == ("disputed", "adjudication", alice)
    assessment = decision.assessments.get()
    assert (assessment.stance, assessment.quote) == ("refutes", QUOTE)  # bob's quote for it
    page(client, alice, url, status=404)  # nothing waits any more


def test_an_adjudication_needs_a_rationale_and_keeps_what_was_typed(client, both, alice):
    client.force_login(alice)
    response = client.post(
        reverse("claims:adjudicate", args=[both.pk]),
        {"version": both.version, "verdict": "disputed", "rationale": ""},
    )

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_stale_adjudication_is_409_and_keeps_the_rationale(client, both, alice):
    from claims.services import citation_confirm

    citation_confirm(citation=both.citations.get(), actor=member("eve", EDITORS), version=1)
    client.force_login(alice)
    response = client.post(
        reverse("claims:adjudicate", args=[both.pk]),
        {"version": 1, "verdict": "disputed", "rationale": "Kept rationale."},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "eve confirmed footnote [3]" in html and "Kept rationale." in html
    assert not Decision.objects.exists()


def test_only_editors_who_wrote_neither_review_adjudicate(client, double, both, bob, charlie):
    url = reverse("claims:adjudicate", args=[both.pk])
    data = {"version": both.version, "verdict": "disputed", "rationale": "Mine."}
    for outsider in (charlie, bob):
        client.force_login(outsider)
        assert client.post(url, data).status_code == 403
    assert client.get(url).status_code == 405

    # An editor who wrote one of the two reviews is told to leave it to another.
    claim = line(double, 2)
    editor = member("ed", EDITORS)
    review(claim, editor, "corroborated", "Yes.", "supports")
    review(claim, member("fay", REVIEWERS), "refuted", "No.", "refutes")
    html = page(client, editor, reverse("claims:adjudication-detail", args=[claim.pk]))
    assert "another editor decides between them" in html and "Record adjudication" not in html
    claim.refresh_from_db()
    response = client.post(
        reverse("claims:adjudicate", args=[claim.pk]),
        {"version": claim.version, "verdict": "disputed", "rationale": "Mine."},
    )
    assert response.status_code == 400 and "another editor" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_claim_with_nothing_to_adjudicate_has_no_adjudication_page(client, first, alice):
    page(client, alice, reverse("claims:adjudication-detail", args=[first.pk]), status=404)


# --- The dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_the_double_review_card_only_when_a_document_needs_it(
    client, seed, bob, settings
):
    assert "awaiting adjudication" not in page(client, bob, "/")

    settings.WORKBENCH_DOUBLE_REVIEW = True

    html = page(client, bob, "/")
    assert "0 awaiting adjudication" in html
    assert "No claim has had two reviews yet." in html
    assert "<td>not enough data</td>\n<td>not enough data<br><small>0 footnotes" in html


def test_the_dashboard_charts_kappa_and_the_confusion_matrix(client, double, bob, dora):
    table = [("refuted", "refuted")] * 6 + [("corroborated", "corroborated")] * 4
    table += [("refuted", "disputed")]
    claims = Claim.objects.filter(document=double, citations__isnull=False).order_by("line")
    for claim, (a, b) in zip(claims.distinct()[: len(table)], table, strict=True):
        stance = {"refuted": "refutes", "corroborated": "supports", "disputed": "disputes"}
        review(claim, bob, a, "Bob.", stance[a])
        review(claim, dora, b, "Dora.", stance[b])

    html = page(client, member("ada", ADMINS), "/")

    assert "1 awaiting adjudication" in html
    # κ = (10/11 − 58/121) / (1 − 58/121) = 52/63: bob r7 c4, dora r6 c4 d1.
    assert "bob &amp; dora: κ 0.83, 91% agree · 11 claims" in html
    assert '<rect class="seg-corroborated" x="0" y="0" width="82.5" height="10"/>' in html
    assert 'aria-label="first corroborated, second corroborated: 4; ' in html
    assert "first refuted, second disputed: 1" in html
    assert "style=" not in html.split('id="agreement-title"')[1]  # the CSP allows no style
