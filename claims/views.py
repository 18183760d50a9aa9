"""The reviewer's pages: claim list, claim page, review queue, actions and the CSV export.

Each view fetches through an access helper, validates with a form, calls a service and
redirects; it never writes a model itself.
"""

import datetime
from collections.abc import Iterator
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from claims import services
from claims.exports import citations_csv, claim_review_preview, claims_csv, decisions_csv, json_text
from claims.exports.jobs import export_is_large, export_job_request
from claims.filters import ClaimFilter
from claims.forms import (
    AttributionForm,
    ExportForm,
    ListForm,
    LockForm,
    QueueForm,
    ReviewForm,
    form_errors,
)
from claims.models import Attribution, Claim, ExportFormat, Position, Verdict
from claims.publish.forms import PublishForm
from claims.publish.selectors import publication_state
from claims.review_forms import AdjudicationForm
from claims.selectors import (
    COUNT_CAP,
    InvalidFilters,
    adjudication_for_user,
    adjudication_queue_for_user,
    citation_get_for_user,
    claim_evidence,
    claim_export_for_user,
    claim_get_for_user,
    claim_history,
    claim_list_for_user,
    claim_neighbours,
    claim_page,
    claim_suggestion,
    claim_verdict_counts,
    count_label,
    dashboard_for_user,
    decisions_export_for_user,
    passage_for_citation,
    review_queue_for_user,
    review_state_for_user,
)
from claims.services.publishing import PUBLISH
from claims.services.review import ADJUDICATE, ReviewOutcome, ReviewStep
from workbench.forms import add_service_errors
from workbench.permissions import has_perm

DECIDE = "claims.add_decision"
SETTLE = "claims.change_citation"
LOCK = "claims.lock_claim"
# Query-string keys that are not filters (paging, sorting, export options).
NOT_FILTERS = ("after", "sort", "all", "bom", "raw")


def _filters(request: HttpRequest):
    data = request.GET.copy()
    for key in NOT_FILTERS:
        data.pop(key, None)
    return data


def bad_request(request: HttpRequest, errors: list[str]) -> HttpResponse:
    """Answer a request whose parameters do not parse: 400, with what was wrong."""
    return render(request, "bad_request.html", {"errors": errors}, status=400)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show claims by verdict per document, the work waiting, and the latest decisions."""
    board = dashboard_for_user(user=request.user)
    return render(request, "claims/dashboard.html", vars(board))


@login_required
@require_GET
def claim_list_view(request: HttpRequest) -> HttpResponse:
    """List the claims matching the filters, one keyset page at a time, with verdict counts."""
    filters = _filters(request)
    filterset = ClaimFilter(filters)
    params = ListForm(request.GET)
    status = 200
    try:
        claims = claim_list_for_user(user=request.user, filters=filters)
    except InvalidFilters:
        claims, status = None, 400
    if not params.is_valid():
        return bad_request(request, form_errors(params))
    sort = params.cleaned_data["sort"]
    if claims is not None:
        counts = claim_verdict_counts(claims)
        page = claim_page(claims, sort=sort, after=params.cleaned_data["after"])
        rows, next_cursor = page.rows, page.next_cursor
    else:
        counts, rows, next_cursor = {}, [], ""
    ctx = {
        "filterset": filterset,
        "form": filterset.form,
        "counts": [
            {
                "verdict": v,
                "label": Verdict(v).label,
                "n": counts.get(v, 0),
                "shown": count_label(counts.get(v, 0)),
            }
            for v in Verdict.values
        ],
        "total": sum(counts.values()),
        "total_label": (
            f"{sum(counts.values()):,}"
            if all(n <= COUNT_CAP for n in counts.values())
            else f"over {COUNT_CAP:,}"
        ),
        "rows": rows,
        "sort": sort,
        "next_cursor": next_cursor,
        "is_first_page": not request.GET.get("after"),
    }
    return render(request, "claims/claim_list.html", ctx, status=status)


def _csv_download(lines: Iterator[str], name: str) -> StreamingHttpResponse:
    """Stream `lines` as the download `<name>-<today>.csv`."""
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"{name}-{datetime.date.today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def claim_export_csv(request: HttpRequest) -> HttpResponse:
    """Stream the claims matching the list's filters as CSV (reviewed ones unless all=1), or
    their footnotes, one row each (the citations CSV, at /claims/export-citations.csv)."""
    options = ExportForm(request.GET)
    options.is_valid()  # two booleans: anything but false/0/empty is true
    try:
        claims = claim_export_for_user(
            user=request.user,
            filters=_filters(request),
            include_all=options.cleaned_data.get("all", False),
        )
    except InvalidFilters as exc:
        return HttpResponse(f"{exc}\n", status=400, content_type="text/plain; charset=utf-8")
    bom, raw = options.cleaned_data.get("bom", False), options.cleaned_data.get("raw", False)
    citations = request.resolver_match.url_name == "export-citations-csv"
    if export_is_large(claims):
        # Too long to stream: the background worker writes it; its page links to the file.
        job = export_job_request(
            user=request.user,
            filters=_filters(request),
            export_format=ExportFormat.CITATIONS_CSV if citations else ExportFormat.CLAIMS_CSV,
            options=options.cleaned_data,
        )
        return redirect("claims:export-job", pk=job.pk)
    if citations:
        return _csv_download(citations_csv(claims, bom=bom, raw=raw), "citations")
    return _csv_download(claims_csv(claims, bom=bom, raw=raw), "claims")


@login_required
@require_GET
def decisions_export_csv(request: HttpRequest) -> HttpResponse:
    """Stream every decision ever recorded as CSV: what `manage.py export_decisions` writes."""
    decisions = decisions_export_for_user(user=request.user)
    options = ExportForm(request.GET)
    options.is_valid()
    return _csv_download(
        decisions_csv(
            decisions,
            bom=options.cleaned_data.get("bom", False),
            raw=options.cleaned_data.get("raw", False),
        ),
        "decisions",
    )


@login_required
@require_GET
def claim_claimreview(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the ClaimReview JSON-LD publishing the claim would publish; 404 until decided."""
    claim = claim_get_for_user(user=request.user, pk=pk)
    # A withdrawn claim is no longer in the document, and one whose footnotes changed since its
    # decision has no verdict to stand on: publishing a review of either would mislead.
    closed = claim.withdrawn_at is not None or claim.needs_rereview
    review = None if closed else claim_review_preview(claim)
    if review is None:
        raise Http404("Only decided, live claims have a ClaimReview.")
    return HttpResponse(json_text(review, indent=2), content_type="application/ld+json")


def _render_claim(
    request: HttpRequest,
    claim: Claim,
    *,
    form: ReviewForm | None = None,
    lock_form: LockForm | None = None,
    errors: list[str] | None = None,
    conflict: str = "",
    queue: bool = False,
    document: str = "",
    status: int = 200,
) -> HttpResponse:
    """Render the claim page (also the queue's page), with any form the user is retrying."""
    changes = form.assessments() if form is not None and form.is_valid() else None
    citations, suggestion = claim_suggestion(claim, changes)
    before, after = claim_neighbours(claim)
    can_decide = has_perm(request.user, DECIDE)
    open_for_review = not claim.locked and claim.withdrawn_at is None
    # Double review: no form for a reviewer whose review is in, nor while two wait for an editor.
    review_state = review_state_for_user(user=request.user, claim=claim)
    if review_state is not None and not review_state.open_to_viewer:
        can_decide = False
        if form is not None and form.is_bound:
            errors = [*(errors or []), *form.non_field_errors()]
    lock_form = lock_form or LockForm(initial={"version": claim.version})
    if form is None and can_decide and open_for_review:
        form = ReviewForm(
            citations=citations,
            initial={
                "version": claim.version,
                "verdict": claim.verdict if claim.verdict != Verdict.UNREVIEWED else None,
                "next": "queue" if queue else "",
                "document": document,
            },
        )
    claim_evidence(claim, form.citations if form is not None else citations)
    if queue:
        older = f"?{urlencode({'document': document, 'before': claim.pk})}"
        newer = f"?{urlencode({'document': document, 'after': claim.pk})}"
        prev_url = reverse("claims:review-next") + older
        next_url = reverse("claims:review-next") + newer
    else:
        prev_url = reverse("claims:detail", args=[before.pk]) if before else ""
        next_url = reverse("claims:detail", args=[after.pk]) if after else ""
    ctx = {
        "claim": claim,
        "citations": citations,
        "suggestion": suggestion,
        "before": before,
        "after": after,
        "prev_url": prev_url,
        "next_url": next_url,
        "form": form if can_decide and open_for_review else None,
        "lock_form": lock_form,
        "can_decide": can_decide,
        "can_settle": has_perm(request.user, SETTLE) and open_for_review,
        "can_lock": has_perm(request.user, LOCK) and claim.withdrawn_at is None,
        "can_publish": has_perm(request.user, PUBLISH),
        "publication": publication_state(claim, citations),
        "publish_form": PublishForm(initial={"version": claim.version}, auto_id="publish-%s"),
        "history": claim_history(claim),
        "errors": errors or [],
        "conflict": conflict,
        "queue": queue,
        "document": document,
        "pending": [
            c
            for c in citations
            if c.position == Position.LEADING and c.attribution == Attribution.AS_PRINTED
        ],
        "review_state": review_state,
        "can_adjudicate": has_perm(request.user, ADJUDICATE) and open_for_review,
    }
    return render(request, "claims/claim_detail.html", ctx, status=status)


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one claim: text and context, citations, suggestion, review form and history."""
    claim = claim_get_for_user(user=request.user, pk=pk)
    return _render_claim(request, claim)


@login_required
@require_GET
def review_next(request: HttpRequest) -> HttpResponse:
    """Serve the next claim that needs review (optionally of one document, after/before one)."""
    params = QueueForm(request.GET)
    if not params.is_valid():
        return bad_request(request, form_errors(params))
    document = params.cleaned_data["document"]
    name = document.name if document else ""
    after, before = params.cleaned_data["after"], params.cleaned_data["before"]
    position = review_queue_for_user(user=request.user, document=name, after=after, before=before)
    if position.claim is None:
        ctx = {"document": name, "remaining": position.remaining, "moved": bool(after or before)}
        return render(request, "claims/queue_empty.html", ctx)
    return _render_claim(request, position.claim, queue=True, document=name)


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the reviewer's verdict and assessments; a stale form comes back with 409."""
    claim = claim_get_for_user(user=request.user, pk=pk, permission=DECIDE)
    citations, _ = claim_suggestion(claim)
    queue = request.POST.get("next") == "queue"
    document = request.POST.get("document", "")
    if "use_passage" in request.POST:
        # "Use as quote" without JavaScript: the form comes back with the passage in the
        # quote box of its source; nothing is recorded until the reviewer submits.
        data = _with_passage(request.POST, claim, citations)
        form = ReviewForm(data, citations=citations)
        form.is_valid()
        return _render_claim(request, claim, form=form, queue=queue, document=document)
    form = ReviewForm(request.POST, citations=citations)
    if not form.is_valid():
        return _render_claim(request, claim, form=form, queue=queue, document=document, status=400)
    data = form.cleaned_data
    try:
        outcome = services.claim_decide(
            claim=claim,
            actor=request.user,
            verdict=data["verdict"],
            version=data["version"],
            rationale=data["rationale"],
            evidence_url=data["evidence_url"],
            evidence_quote=data["evidence_quote"],
            assessments=form.assessments(),
        )
    except services.StaleVersion as exc:
        # Keep everything the reviewer typed; only the version moves on, so that deciding
        # again (after looking at what changed) is a deliberate second submit.
        retry = request.POST.copy()
        retry["version"] = str(exc.claim.version)
        claim = claim_get_for_user(user=request.user, pk=pk)
        citations, _ = claim_suggestion(claim)
        form = ReviewForm(retry, citations=citations)
        form.is_valid()
        return _render_claim(
            request,
            claim,
            form=form,
            conflict=str(exc),
            queue=queue,
            document=document,
            status=409,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_claim(request, claim, form=form, queue=queue, document=document, status=400)
    messages.success(request, _decided_message(claim, outcome, data["verdict"]))
    if data["next"] == "queue":
        query = urlencode({"document": data["document"], "after": claim.pk})
        return redirect(f"{reverse('claims:review-next')}?{query}")
    return redirect("claims:detail", pk=claim.pk)


def _decided_message(claim: Claim, outcome, verdict: str) -> str:
    if not isinstance(outcome, ReviewOutcome):
        return f"Claim {claim.pk} marked {verdict}."
    if outcome.step == ReviewStep.WAITING:
        return (
            f"Claim {claim.pk}: your blind review is in (1 of 2). Nobody sees it until the "
            "second review is in."
        )
    if outcome.step == ReviewStep.AGREED:
        return f"Claim {claim.pk} marked {verdict}: the two blind reviews agreed."
    return f"Claim {claim.pk}: the two blind reviews disagree; an editor adjudicates."


def _with_passage(post, claim: Claim, citations) -> dict:
    """Return the POSTed form with the chosen passage as its source's quote and page."""
    data = post.copy()
    citation_pk, _, passage_pk = post.get("use_passage", "").partition(":")
    by_pk = {str(c.pk): c for c in citations}
    citation = by_pk.get(citation_pk)
    if (
        citation is not None
        and passage_pk.isascii()
        and passage_pk.isdigit()
        and len(passage_pk) < 19
    ):
        passage = passage_for_citation(claim=claim, citation=citation, pk=int(passage_pk))
        if passage is not None:
            data[f"quote_{citation.pk}"] = passage.text
            data[f"page_{citation.pk}"] = passage.page
    return data


def _citation_action(request: HttpRequest, pk: int, citation_pk: int, action: str):
    claim = claim_get_for_user(user=request.user, pk=pk, permission=SETTLE)
    citation = citation_get_for_user(
        user=request.user, claim_pk=claim.pk, pk=citation_pk, permission=SETTLE
    )
    form = AttributionForm(request.POST)
    if not form.is_valid():
        return _render_claim(request, claim, errors=form_errors(form), status=400)
    data = form.cleaned_data
    args = {"citation": citation, "actor": request.user, "reason": data["reason"]}
    label = citation.source.label
    try:
        if action == "confirm":
            services.citation_confirm(**args, version=data["version"])
            text = f"Footnote [{label}] confirmed on claim {claim.pk}."
        elif action == "detach":
            services.citation_detach(**args, version=data["version"])
            text = f"Footnote [{label}] detached from claim {claim.pk}."
        else:
            moved = services.citation_move(**args, version=data["version"])
            text = f"Footnote [{label}] moved from claim {claim.pk} to claim {moved.claim_id}."
    except services.StaleVersion as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        return _render_claim(request, claim, conflict=str(exc), status=409)
    except ValidationError as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        return _render_claim(request, claim, errors=exc.messages, status=400)
    messages.success(request, text)
    if data["next"] == "queue":
        query = urlencode({"document": data["document"]})
        return redirect(f"{reverse('claims:review-next')}?{query}")
    return redirect("claims:detail", pk=claim.pk)


@login_required
@require_POST
def citation_confirm(request: HttpRequest, pk: int, citation_pk: int) -> HttpResponse:
    """Confirm that a leading footnote belongs to this claim."""
    return _citation_action(request, pk, citation_pk, "confirm")


@login_required
@require_POST
def citation_move(request: HttpRequest, pk: int, citation_pk: int) -> HttpResponse:
    """Move a leading footnote to the claim before this one."""
    return _citation_action(request, pk, citation_pk, "move")


@login_required
@require_POST
def citation_detach(request: HttpRequest, pk: int, citation_pk: int) -> HttpResponse:
    """Detach a footnote whose sentence is not in the document."""
    return _citation_action(request, pk, citation_pk, "detach")


def _lock_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = claim_get_for_user(user=request.user, pk=pk, permission=LOCK)
    form = LockForm(request.POST)
    if form.is_valid():
        service = services.claim_lock if action == "lock" else services.claim_reopen
        try:
            service(
                claim=claim,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except services.StaleVersion as exc:
            claim = claim_get_for_user(user=request.user, pk=pk)
            return _render_claim(request, claim, conflict=str(exc), status=409)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            done = "locked" if action == "lock" else "reopened"
            messages.success(request, f"Claim {claim.pk} {done}.")
            return redirect("claims:detail", pk=claim.pk)
    claim = claim_get_for_user(user=request.user, pk=pk)
    return _render_claim(request, claim, lock_form=form, status=400)


@login_required
@require_POST
def claim_lock(request: HttpRequest, pk: int) -> HttpResponse:
    """Lock a claim against decisions (editors), with a reason."""
    return _lock_action(request, pk, "lock")


@login_required
@require_POST
def claim_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Reopen a locked claim (editors), with a reason."""
    return _lock_action(request, pk, "reopen")


def _publish_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = claim_get_for_user(user=request.user, pk=pk, permission=PUBLISH)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _render_claim(request, claim, errors=form_errors(form), status=400)
    service = services.claim_publish if action == "publish" else services.claim_unpublish
    try:
        service(claim=claim, actor=request.user, **form.cleaned_data)
    except services.StaleVersion as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        return _render_claim(request, claim, conflict=str(exc), status=409)
    except ValidationError as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        return _render_claim(request, claim, errors=exc.messages, status=400)
    messages.success(request, f"Claim {claim.pk} {action}ed.")
    return redirect("claims:detail", pk=claim.pk)


@login_required
@require_POST
def claim_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the claim's latest decision on its public review page (editors)."""
    return _publish_action(request, pk, "publish")


@login_required
@require_POST
def claim_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the claim's review off the public pages (editors)."""
    return _publish_action(request, pk, "unpublish")


# --- Double review: the adjudication queue and the side-by-side page --------------------------


@login_required
@require_GET
def adjudication_queue(request: HttpRequest) -> HttpResponse:
    """List the claims whose two blind reviews disagree, waiting for an editor."""
    params = QueueForm(request.GET)
    if not params.is_valid():
        return bad_request(request, form_errors(params))
    document = params.cleaned_data["document"]
    queue = adjudication_queue_for_user(
        user=request.user, document=document.name if document else ""
    )
    ctx = {
        "claims": queue.claims,
        "total": queue.total,
        "document": document.name if document else "",
        "can_adjudicate": has_perm(request.user, ADJUDICATE),
    }
    return render(request, "claims/adjudication_queue.html", ctx)


def _render_adjudication(
    request: HttpRequest,
    claim: Claim,
    *,
    form: AdjudicationForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    adjudication = adjudication_for_user(user=request.user, claim=claim)
    if adjudication is None:
        raise Http404("This claim has no two disagreeing reviews waiting for an editor.")
    reviewers = (adjudication.first.actor_id, adjudication.second.actor_id)
    may_decide = (
        has_perm(request.user, ADJUDICATE)
        and request.user.pk not in reviewers
        and not claim.locked
        and claim.withdrawn_at is None
    )
    if form is None and may_decide:
        form = AdjudicationForm(adjudication=adjudication, initial={"version": claim.version})
    ctx = {
        "claim": claim,
        "adjudication": adjudication,
        "form": form if may_decide else None,
        "own_review": request.user.pk in reviewers,
        "conflict": conflict,
    }
    return render(request, "claims/adjudication_detail.html", ctx, status=status)


@login_required
@require_GET
def adjudication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a claim's two disagreeing reviews side by side, and the editor's form."""
    claim = claim_get_for_user(user=request.user, pk=pk)
    return _render_adjudication(request, claim)


@login_required
@require_POST
def claim_adjudicate(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an editor's verdict between two disagreeing reviews; stale forms get 409."""
    claim = claim_get_for_user(user=request.user, pk=pk, permission=ADJUDICATE)
    adjudication = adjudication_for_user(user=request.user, claim=claim)
    if adjudication is None:
        return _render_claim(
            request,
            claim,
            errors=["This claim has no two disagreeing reviews waiting for an editor."],
            status=400,
        )
    form = AdjudicationForm(request.POST, adjudication=adjudication)
    if not form.is_valid():
        return _render_adjudication(request, claim, form=form, status=400)
    data = form.cleaned_data
    try:
        services.claim_adjudicate(
            claim=claim,
            actor=request.user,
            verdict=data["verdict"],
            version=data["version"],
            rationale=data["rationale"],
            assessments=form.assessments(),
        )
    except services.StaleVersion as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        if adjudication_for_user(user=request.user, claim=claim) is None:
            return _render_claim(request, claim, conflict=str(exc), status=409)
        retry = request.POST.copy()
        retry["version"] = str(exc.claim.version)
        form = AdjudicationForm(
            retry, adjudication=adjudication_for_user(user=request.user, claim=claim)
        )
        form.is_valid()
        return _render_adjudication(request, claim, form=form, conflict=str(exc), status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_adjudication(request, claim, form=form, status=400)
    messages.success(request, f"Claim {claim.pk} adjudicated: {data['verdict']}.")
    return redirect("claims:adjudication")
