"""What a day of review found on the claim page, the list and the dashboard, without a browser.

Each test names the point of issue 15 it answers; the keyboard, focus and script behaviour is
in tests/browser/test_day.py.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Verdict
from claims.services import (
    AssessmentInput,
    citation_confirm,
    claim_decide,
    claim_lock,
    claim_withdraw,
)
from claims.verdicts import suggest_verdict
from sources.services import source_update
from tests.claims.support import at
from tests.conftest import member
from workbench.roles import ADMINS


def _page(client, claim) -> str:
    return client.get(reverse("claims:detail", args=[claim.pk])).content.decode()


# --- 3: a refused decision says why, at the top ------------------------------------------


def test_a_decision_without_its_rationale_shows_an_error_summary_linked_to_the_field(
    client, seed, bob
):
    claim = at(seed, 27)
    client.force_login(bob)

    response = client.post(
        reverse("claims:decide", args=[claim.pk]), {"verdict": "disputed", "version": 1}
    )

    assert response.status_code == 400
    html = response.content.decode()
    summary = html[html.index('id="error-summary"') :]
    assert html.index('id="error-summary"') < html.index('id="text-title"')  # at the top
    assert 'href="#id_rationale">Rationale: A rationale is required to mark a claim disputed.' in (
        summary
    )
    assert 'id="error-summary" tabindex="-1" autofocus' in html  # focus there without script
    # The field names its error for assistive technology.
    assert re.search(r'<textarea[^>]*aria-invalid="true"', html)
    assert 'aria-describedby="id_rationale_helptext id_rationale_error"' in html
    assert 'id="id_rationale_error"' in html and 'id="id_rationale_helptext"' in html


def test_a_missing_verdict_links_to_the_first_radio(client, seed, bob):
    client.force_login(bob)
    claim = at(seed, 1)
    response = client.post(reverse("claims:decide", args=[claim.pk]), {"version": 1})
    assert 'href="#id_verdict_0">Verdict: This field is required.' in response.content.decode()


# --- 4: the suggestion follows the stances, without JavaScript too ------------------------


def test_a_refused_decision_shows_the_suggestion_for_the_stances_posted(client, seed, bob):
    claim = at(seed, 27)
    client.force_login(bob)
    data = {"verdict": "disputed", "version": 1}
    data |= {f"stance_{c.pk}": "refutes" for c in claim.citations.all()}

    response = client.post(reverse("claims:decide", args=[claim.pk]), data)

    assert response.context["suggestion"].verdict == Verdict.REFUTED
    html = response.content.decode()
    assert "8 sources refute it and none supports it" in html
    assert "no source has been assessed" not in html
    assert "Required: A rationale is required to mark a claim disputed." in html


def test_update_the_suggestion_recomputes_it_and_records_nothing(client, seed, bob):
    claim = at(seed, 6)
    first, second = claim.citations.order_by("order")
    client.force_login(bob)
    data = {
        "version": 1,
        "verdict": "corroborated",
        f"stance_{first.pk}": "supports",
        f"stance_{second.pk}": "supports",
        "preview": "1",
    }

    response = client.post(reverse("claims:decide", args=[claim.pk]), data)

    assert response.status_code == 200
    assert response.context["suggestion"].verdict == Verdict.CORROBORATED
    html = response.content.decode()
    assert "Optional: agreeing with the suggestion needs no rationale." in html
    assert 'id="error-summary"' not in html
    claim.refresh_from_db()
    assert claim.verdict == Verdict.UNREVIEWED and not claim.decisions.exists()


def test_the_page_ships_the_rule_for_its_script(client, seed, bob):
    client.force_login(bob)
    html = _page(client, at(seed, 6))
    assert '<script id="suggestion-rule" type="application/json">' in html
    assert '"unreliable": ["deprecated", "generally_unreliable"]' in html
    assert 'data-reliability="unrated"' in html


def test_the_reasons_agree_in_number():
    assert suggest_verdict([("refutes", "unrated")]).reason == (
        "1 source refutes it and none supports it"
    )
    assert suggest_verdict([("supports", "unrated"), ("refutes", "unrated")]).reason == (
        "1 source supports it but 1 source refutes it"
    )
    assert suggest_verdict([("disputes", "unrated")] * 2).reason == "2 sources dispute it"


# --- 5: leading footnotes where they were printed ------------------------------------------


def _lead(html: str) -> str:
    return html[html.index('class="fn-lead') :][:400]


def test_leading_footnotes_are_drawn_before_the_sentence_and_marked(client, seed, bob):
    client.force_login(bob)
    claim = at(seed, 6)  # "[31][32] Around June and July 2022, …"

    for html in (
        _page(client, claim),
        client.get(f"{reverse('claims:review-next')}?at={claim.pk}").content.decode(),
        client.get(reverse("claims:list") + "?source=31").content.decode(),
    ):
        lead = _lead(html)
        assert "fn-pending" in lead[:40]
        assert "Printed before the sentence, awaiting an attribution check:" in lead
        assert lead.index("[31]") < lead.index("[32]") < lead.index("Around June and July")


def test_a_confirmed_leading_footnote_stays_before_and_a_moved_one_goes_after(client, seed, bob):
    two = at(seed, 2)
    citation = two.citations.get()
    citation_confirm(citation=citation, actor=bob)
    client.force_login(bob)
    lead = _lead(_page(client, two))
    assert "fn-pending" not in lead[:40] and "awaiting" not in lead
    assert lead.index("[19]") < lead.index("On 19 February")


def test_the_list_marks_claims_awaiting_an_attribution_check(client, seed, bob):
    client.force_login(bob)
    response = client.get(reverse("claims:list"))
    rows = response.context["rows"]
    assert {c.line for c in rows if c.attribution_pending} == {
        c.line for c in Claim.objects.attribution_pending()
    }
    assert response.content.decode().count('<span class="tag warn">attribution check</span>') == (
        Claim.objects.attribution_pending().count()
    )


# --- 6: claim 27 is compact ------------------------------------------------------------------


def test_claim_27_offers_one_confirm_all_and_puts_the_decision_before_the_citations(
    client, seed, bob
):
    client.force_login(bob)
    html = _page(client, at(seed, 27))
    assert html.count("Confirm all 8 as printed") == 1
    assert html.count('name="reason"') == 1  # one reason box, not eight
    assert html.index('name="verdict"') < html.index('id="attr-title"')
    assert html.index('name="verdict"') < html.index('id="citations-title"')


# --- 8: "Not assessed" is not a silent no-op ---------------------------------------------------


def test_not_assessed_for_an_assessed_source_is_refused_with_a_message(client, seed, bob):
    claim = at(seed, 8)
    citation = claim.citations.get()
    claim_decide(
        claim=claim,
        actor=bob,
        verdict="corroborated",
        version=1,
        assessments={citation.pk: AssessmentInput("supports")},
    )
    client.force_login(bob)
    page = _page(client, claim)
    assert f'name="stance_{citation.pk}" value=""' not in page  # no longer offered

    response = client.post(
        reverse("claims:decide", args=[claim.pk]),
        {"verdict": "disputed", "version": 2, "rationale": "x", f"stance_{citation.pk}": ""},
    )

    assert response.status_code == 400
    assert "an assessment can be replaced, not taken back" in response.content.decode()
    claim.refresh_from_db()
    assert claim.decisions.count() == 1 and claim.verdict == "corroborated"


# --- 9: the small things ---------------------------------------------------------------------


def test_an_admins_withdrawal_says_who_and_why(client, seed, bob):
    claim = at(seed, 7)
    claim_withdraw(claim=claim, actor=member("ada", ADMINS), reason="Duplicate of line 6.")
    client.force_login(bob)
    html = _page(client, claim)
    assert "withdrawn by ada" in html and "Duplicate of line 6." in html
    assert "no longer in the document" not in html


def test_a_re_imports_withdrawal_says_the_line_is_gone(client, seed, bob):
    claim = at(seed, 7)
    Claim.objects.filter(pk=claim.pk).update(withdrawn_at=timezone.now())
    client.force_login(bob)
    assert "a re-import no longer found its line" in _page(client, claim)


def test_a_locked_claim_names_who_locked_it_and_why(client, seed, alice, bob):
    claim = at(seed, 3)
    claim_lock(claim=claim, actor=alice, reason="Legal is checking the wording.")
    client.force_login(bob)
    reviewer = _page(client, claim)
    client.force_login(alice)
    editor = _page(client, claim)
    for html in (reviewer, editor):
        assert "locked by alice" in html and "Legal is checking the wording." in html
    assert "An editor must reopen it" in reviewer
    assert "Reopen it below" in editor and "An editor must reopen it" not in editor


def test_the_conflict_page_shows_theirs_beside_yours(client, seed, alice, bob):
    claim = at(seed, 4)
    claim_decide(claim=claim, actor=alice, verdict="refuted", version=1, rationale="Not 30,000.")
    client.force_login(bob)

    response = client.post(
        reverse("claims:decide", args=[claim.pk]),
        {"verdict": "disputed", "version": 1, "rationale": "Counts differ."},
    )

    assert response.status_code == 409
    compare = {row["what"]: (row["now"], row["yours"]) for row in response.context["compare"]}
    assert compare["Verdict"] == ("Refuted", "Disputed")
    assert compare["Rationale"] == ("Not 30,000.", "Counts differ.")
    html = response.content.decode()
    assert "The claim now, beside what you submitted" in html


def test_the_heading_has_no_space_before_its_comma(client, seed, bob):
    client.force_login(bob)
    html = _page(client, at(seed, 6))
    assert re.search(r"</a>, line 6</span>", html)


def test_source_links_open_in_a_new_tab(client, seed, alice, bob):
    claim = at(seed, 6)
    source = claim.citations.first().source
    source_update(source=source, actor=alice, url="https://meduza.io/en/feature/2022/07/01/x")
    client.force_login(bob)
    html = _page(client, claim)
    links = re.findall(r'<a href="(?:/sources/\d+/|https://meduza[^"]*)"[^>]*>', html)
    assert len(links) >= 3  # [31]'s page and address, [32]'s page, and "fetch it" links
    assert all('target="_blank"' in link for link in links)
    assert "(opens in a new tab)" in html


def test_the_dashboard_count_of_unreviewed_claims_is_the_lists(client, seed, alice, bob):
    claim_lock(claim=at(seed, 3), actor=alice, reason="Hold.")  # locked, still unreviewed
    client.force_login(bob)
    board = client.get("/").context
    listed = client.get(reverse("claims:list") + "?verdict=unreviewed").context["total"]
    assert board["awaiting_review"] == listed == 30


def test_the_date_filter_is_labelled_and_reads_yesterday(client, seed, bob):
    claim = at(seed, 1)
    claim_decide(claim=claim, actor=bob, verdict="refuted", version=1, rationale="No.")
    client.force_login(bob)

    response = client.get(reverse("claims:list") + "?decided_after=yesterday")

    assert response.status_code == 200
    assert [c.pk for c in response.context["rows"]] == [claim.pk]
    html = response.content.decode()
    assert '<label for="">' not in html
    assert "<legend>Last decided between</legend>" in html
    assert '<label for="id_decided_0">From</label>' in html
    assert re.search(r'<input[^>]*name="decided_after"[^>]*id="id_decided_0"', html)
    assert "YYYY-MM-DD, or &quot;today&quot;, &quot;yesterday&quot;" in html
    before = (datetime.date.today() - datetime.timedelta(days=3)).isoformat()
    assert client.get(reverse("claims:list") + f"?decided_before={before}").context["rows"] == []


def test_live_claims_is_offered_once_and_false_still_means_live(client, seed, bob):
    client.force_login(bob)
    html = client.get(reverse("claims:list")).content.decode()
    select = html[html.index('name="withdrawn"') :][:400]
    assert select.count("Live claims") == 1
    assert client.get(reverse("claims:list") + "?withdrawn=false").status_code == 200


def test_the_export_says_before_that_an_unreviewed_filter_exports_nothing(client, seed, bob):
    client.force_login(bob)
    html = client.get(reverse("claims:list") + "?verdict=unreviewed").content.decode()
    assert "the CSV holds reviewed claims only" in html
    assert "all=1" in html[html.index("export-empty") :][:600]
    claim_decide(claim=at(seed, 1), actor=bob, verdict="refuted", version=1, rationale="No.")
    assert "export-empty" not in client.get(reverse("claims:list")).content.decode()


def test_the_list_pages_back_and_says_where_it_is(client, db, bob):
    from tests.factories import ClaimFactory, DocumentFactory

    document = DocumentFactory()
    claims = [ClaimFactory(document=document, line=n) for n in range(1, 121)]
    client.force_login(bob)
    url = reverse("claims:list")

    second = client.get(f"{url}?after={document.pk}.50.{claims[49].pk}")
    assert [c.line for c in second.context["rows"]][:1] == [51]
    assert "Claims 51–100 of 120" in second.content.decode()
    back = client.get(f"{url}?before={second.context['prev_cursor']}")
    assert [c.line for c in back.context["rows"]] == list(range(1, 51))
    assert back.context["prev_cursor"] == ""  # the first page: no previous
    decided = client.get(f"{url}?sort=decided&after=n.{claims[70].pk}")
    previous = client.get(f"{url}?sort=decided&before={decided.context['prev_cursor']}")
    assert [c.pk for c in previous.context["rows"]] == [c.pk for c in claims[::-1][:50]]


def test_the_keys_dialog_is_modal_and_says_so(client, seed, bob):
    client.force_login(bob)
    html = _page(client, at(seed, 1))
    assert 'role="dialog" aria-modal="true" aria-labelledby="keys-title"' in html


# --- 11: a filtered list on a phone --------------------------------------------------------


def test_filters_are_folded_away_when_set_and_say_which_are_set(client, seed, bob):
    client.force_login(bob)
    html = client.get(reverse("claims:list") + "?verdict=unreviewed").content.decode()
    assert '<details class="filters card">' in html  # not open
    assert "(1 set: Verdict: Unreviewed)" in html
    bad = client.get(reverse("claims:list") + "?verdict=maybe").content.decode()
    assert '<details class="filters card" open>' in bad


# --- source history (the audit trail on the source page) -------------------------------------


def test_the_source_page_lists_its_edits_with_who_and_why(client, seed, alice):
    source = at(seed, 6).citations.first().source
    source_update(
        source=source,
        actor=alice,
        title="Covert mobilization in the regions",
        reliability="generally_reliable",
        reason="From the article's reference list.",
    )
    client.force_login(alice)
    html = client.get(reverse("sources:detail", args=[source.pk])).content.decode()
    history = html[html.index('id="shistory-title"') :]
    assert "alice" in history and "From the article&#x27;s reference list." in history
    assert "title" in history and "reliability" in history


pytestmark = pytest.mark.django_db
