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
    STANCE_CHOICES,
    STANCE_KEYS,
    AssignForm,
    AttributionForm,
    DocumentAssignForm,
    ExportForm,
    ListForm,
    LockForm,
    NoteForm,
    QueueFields,
    QueueForm,
    ReviewForm,
    SkipForm,
    UndoForm,
    form_errors,
)
from claims.models import Attribution, Claim, ExportFormat, Position, Stance, Verdict
from claims.publish.forms import PublishForm
from claims.publish.selectors import publication_state
from claims.review_forms import AdjudicationForm
from claims.selectors import (
    COUNT_CAP,
    QUEUE_COUNT_CAP,
    REVIEW_WORK,
    InvalidFilters,
    QueueScope,
    adjudication_for_user,
    adjudication_queue_for_user,
    citation_get_for_user,
    claim_assignment,
    claim_before,
    claim_discussion,
    claim_evidence,
    claim_export_for_user,
    claim_get_for_user,
    claim_history,
    claim_list_for_user,
    claim_neighbours,
    claim_page,
    claim_suggestion,
    claim_verdict_counts,
    claims_before_row,
    count_label,
    dashboard_for_user,
    decisions_export_for_user,
    passage_for_citation,
    queue_position,
    queue_skips,
    review_state_for_user,
    undo_offer,
)
from claims.services import AssessmentInput, rationale_required
from claims.services.assignment import ASSIGN
from claims.services.notes import NOTE_MAX
from claims.services.publishing import PUBLISH
from claims.services.review import ADJUDICATE, ReviewOutcome, ReviewStep
from sources.models import UNRELIABLE
from workbench.actions import AuditAction
from workbench.forms import add_service_errors
from workbench.permissions import has_perm, require_perm

DECIDE = "claims.add_decision"
SETTLE = "claims.change_citation"
LOCK = "claims.lock_claim"
# Query-string keys that are not filters (paging, sorting, export options).
NOT_FILTERS = ("after", "before", "sort", "all", "bom", "raw")


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
    start = 1
    if claims is not None:
        counts = claim_verdict_counts(claims, filters)
        page = claim_page(
            claims,
            sort=sort,
            after=params.cleaned_data["after"],
            before=params.cleaned_data["before"],
        )
        rows, next_cursor, prev_cursor = page.rows, page.next_cursor, page.prev_cursor
        if rows and (params.cleaned_data["after"] or params.cleaned_data["before"]):
            start = claims_before_row(claims, sort=sort, row=rows[0]) + 1
    else:
        counts, rows, next_cursor, prev_cursor = {}, [], "", ""
    total = sum(counts.values())
    capped = any(n > COUNT_CAP for n in counts.values())
    reviewed = total - counts.get(Verdict.UNREVIEWED, 0)
    for claim in rows:
        claim.attribution_pending = any(
            c.position == Position.LEADING and c.attribution == Attribution.AS_PRINTED
            for c in claim.attached_citations
        )
    filterset.form.is_valid()
    document = filterset.form.cleaned_data.get("document") if not filterset.form.errors else None
    ctx = {
        "filterset": filterset,
        "form": filterset.form,
        "active_filters": _active_filters(filterset.form),
        "counts": [
            {
                "verdict": v,
                "label": Verdict(v).label,
                "n": counts.get(v, 0),
                "shown": count_label(counts.get(v, 0)),
            }
            for v in Verdict.values
        ],
        "total": total,
        "total_label": f"{total:,}" if not capped else f"over {COUNT_CAP:,}",
        # The CSV holds reviewed claims only: say so before it downloads a header alone.
        "export_empty": claims is not None and reviewed == 0 and total > 0,
        "rows": rows,
        "sort": sort,
        "next_cursor": next_cursor,
        "prev_cursor": prev_cursor,
        "is_first_page": not (request.GET.get("after") or request.GET.get("before")),
        "start": start,
        "end": start + len(rows) - 1,
        "document": document,
        "assign_form": (
            DocumentAssignForm(auto_id="assign-%s", initial={"document": document.name})
            if document is not None and has_perm(request.user, ASSIGN)
            else None
        ),
    }
    return render(request, "claims/claim_list.html", ctx, status=status)


def _active_filters(form) -> list[str]:
    """Return the filters set on the list, as "Label: value" (its collapsed summary says)."""
    active = []
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        values = value if isinstance(value, (list, tuple)) else [value]
        shown = [str(v) for v in values if v not in (None, "")]
        if not shown:
            continue
        if hasattr(field, "choices") and not isinstance(value, (list, tuple)):
            shown = [str(dict(field.choices).get(value, value))]
        active.append(f"{field.label}: {' – '.join(shown)}")
    return active


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


def _suggestion_rule() -> dict:
    """Return what the page's script needs to apply the suggestion rule as stances change.

    The rule itself is claims.verdicts.suggest_verdict and rules.rationale_required; the script
    mirrors them over these constants, and tests/browser/test_suggestion.py runs both over every
    combination of stances and reliabilities to prove they agree.
    """
    return {
        "stances": list(Stance.values),
        "unreliable": sorted(UNRELIABLE),
        "labels": dict(Verdict.choices),
        "unreviewed": Verdict.UNREVIEWED.value,
    }


def _error_summary(form, lock_form, errors: list[str]) -> list[dict]:
    """Return every error the page shows, each with the field it belongs to (for a link)."""
    items = [{"href": "", "text": e} for e in errors]
    for bound_form in (form, lock_form):
        if bound_form is None or not bound_form.is_bound:
            continue
        for name, messages_ in bound_form.errors.items():
            if name == "__all__":
                items += [{"href": "", "text": m} for m in messages_]
                continue
            bound = bound_form[name]
            target = bound.id_for_label or f"{bound.auto_id}_0"
            label = bound.label.rstrip("?")
            items += [{"href": f"#{target}", "text": f"{label}: {m}"} for m in messages_]
    return items


def _stash_draft(request: HttpRequest, claim: Claim, *, note: bool = True) -> None:
    """Keep what the reviewer typed on the claim's review form across an action that leaves
    the page (an attribution action posts the review form itself): the next page restores it.

    The note being typed is kept too, unless `note` is False (the action posts it).
    """
    if "rationale" not in request.POST:
        return  # not posted with the review form (a confirmation page): keep what is kept
    citations, _ = claim_suggestion(claim)
    draft = ReviewForm(request.POST, citations=citations).draft()
    if note and request.POST.get("text", "").strip():
        draft["text"] = request.POST["text"]
    drafts = request.session.get("drafts", {})
    if draft:
        drafts[str(claim.pk)] = draft
    else:
        drafts.pop(str(claim.pk), None)
    request.session["drafts"] = drafts


def _pop_draft(request: HttpRequest, claim: Claim) -> dict | None:
    drafts = request.session.get("drafts")
    if not drafts or str(claim.pk) not in drafts:
        return None
    draft = drafts.pop(str(claim.pk))
    request.session["drafts"] = drafts
    return draft


def _claim_or_queue(claim: Claim, scope: QueueScope | None, **anchor: int) -> str:
    """Return where a claim's action leads back to: the queue at the claim, or its page."""
    if scope is not None:
        return reverse("claims:review-next") + scope.query(**(anchor or {"at": claim.pk}))
    return reverse("claims:detail", args=[claim.pk])


def _render_claim(
    request: HttpRequest,
    claim: Claim,
    *,
    form: ReviewForm | None = None,
    lock_form: LockForm | None = None,
    errors: list[str] | None = None,
    conflict: str = "",
    compare: list[dict] | None = None,
    scope: QueueScope | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the claim page (also the queue's page), with any form the user is retrying."""
    user = request.user
    stances = form.posted_stances() if form is not None and form.is_bound else {}
    citations, suggestion = claim_suggestion(
        claim, {pk: AssessmentInput(stance=s) for pk, s in stances.items()}
    )
    before, after = claim_neighbours(claim)
    can_decide = has_perm(user, DECIDE)
    open_for_review = not claim.locked and claim.withdrawn_at is None
    # Double review: no form for a reviewer whose review is in, nor while two wait for an editor.
    review_state = review_state_for_user(user=request.user, claim=claim)
    if review_state is not None and not review_state.open_to_viewer:
        can_decide = False
        if form is not None and form.is_bound:
            errors = [*(errors or []), *form.non_field_errors()]
    lock_form = lock_form or LockForm(initial={"version": claim.version})
    draft = None
    if form is None and can_decide and open_for_review:
        draft = _pop_draft(request, claim)
        initial = {
            "version": claim.version,
            "verdict": claim.verdict if claim.verdict != Verdict.UNREVIEWED else None,
            "next": "queue" if scope else "",
            "document": scope.document if scope else "",
            "work": scope.work if scope and scope.work != REVIEW_WORK else "",
            "assigned": "me" if scope and scope.mine else "",
        }
        form = ReviewForm(citations=citations, initial={**initial, **(draft or {})})
        if draft:
            citations, suggestion = claim_suggestion(
                claim,
                {
                    c.pk: AssessmentInput(stance=draft[f"stance_{c.pk}"])
                    for c in citations
                    if draft.get(f"stance_{c.pk}")
                },
            )
    claim_evidence(claim, form.citations if form is not None else citations)
    chosen = (form["verdict"].value() if form is not None else "") or ""
    hint = (
        rationale_required(verdict=chosen, current=claim.verdict, suggestion=suggestion)
        if chosen in Verdict.values
        else None
    )
    history = claim_history(claim)
    queue_state = None
    if scope is not None:
        place, total, capped = queue_position(user=user, scope=scope, claim=claim)
        queue_state = {
            "scope": scope,
            "place": place,
            "total": f"{QUEUE_COUNT_CAP:,}+" if capped else f"{total:,}",
            "skip_form": SkipForm(auto_id="skip-%s") if can_decide and open_for_review else None,
        }
        prev_url = reverse("claims:review-next") + scope.query(before=claim.pk) if place > 1 else ""
        next_url = reverse("claims:review-next") + scope.query(after=claim.pk)
    else:
        prev_url = reverse("claims:detail", args=[before.pk]) if before else ""
        next_url = reverse("claims:detail", args=[after.pk]) if after else ""
    assignment = claim_assignment(claim)
    can_assign = has_perm(user, ASSIGN) and claim.withdrawn_at is None
    undo = request.session.pop("undo", None)
    shown_form = form if can_decide and open_for_review else None
    ctx = {
        "claim": claim,
        "citations": citations,
        "suggestion": suggestion,
        "rationale_hint": hint,
        "before": before,
        "after": after,
        "prev_url": prev_url,
        "next_url": next_url,
        "form": shown_form,
        "form_dirty": bool(draft) or (form is not None and form.is_bound),
        "lock_form": lock_form,
        "can_decide": can_decide,
        "can_settle": has_perm(user, SETTLE) and open_for_review,
        "can_lock": has_perm(user, LOCK) and claim.withdrawn_at is None,
        "can_publish": has_perm(user, PUBLISH),
        "publication": publication_state(claim, citations),
        "publish_form": PublishForm(initial={"version": claim.version}, auto_id="publish-%s"),
        "history": history,
        "lock_event": _latest(history, AuditAction.CLAIM_LOCK) if claim.locked else None,
        "withdraw_event": (
            _latest(history, AuditAction.CLAIM_WITHDRAW) if claim.withdrawn_at else None
        ),
        "errors": errors or [],
        "error_summary": _error_summary(shown_form, lock_form, errors or []),
        "conflict": conflict,
        "compare": compare or [],
        "queue": scope is not None,
        "queue_state": queue_state,
        "scope": scope,
        "pending": [
            c
            for c in citations
            if c.position == Position.LEADING and c.attribution == Attribution.AS_PRINTED
        ],
        "review_state": review_state,
        "can_adjudicate": has_perm(request.user, ADJUDICATE) and open_for_review,
        "rule": _suggestion_rule(),
        "stance_keys": STANCE_KEYS,
        "notes": claim_discussion(claim),
        "note_form": NoteForm(auto_id="note-%s") if can_decide else None,
        "skips": queue_skips(claim),
        "assignment": assignment,
        "assign_form": (
            AssignForm(
                auto_id="assign-%s",
                initial={
                    "assignee": assignment.assignee.get_username() if assignment else None,
                    "seen": assignment.assignee_id if assignment else "",
                },
            )
            if can_assign
            else None
        ),
        # Offered on whatever page follows the action (the queue may have moved on).
        "undo": undo,
        # A note being typed when the page was posted (an error, an action) is kept.
        "note_text": (draft or {}).get("text") or request.POST.get("text", ""),
    }
    return render(request, "claims/claim_detail.html", ctx, status=status)


def _latest(history, action: str):
    """Return the newest event of `action` in a claim's history (newest first), or None."""
    return next((entry.event for entry in history if entry.event.action == action), None)


@login_required
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one claim: text and context, citations, suggestion, review form and history."""
    claim = claim_get_for_user(user=request.user, pk=pk)
    return _render_claim(request, claim)


@login_required
@require_GET
def review_next(request: HttpRequest) -> HttpResponse:
    """Serve the queue's next claim, held for the reviewer (one document, one kind of work,
    or the claims assigned to them; at, after or before a claim)."""
    params = QueueForm(request.GET)
    if not params.is_valid():
        return bad_request(request, form_errors(params))
    scope = params.scope()
    data = params.cleaned_data
    take = services.queue_take(
        user=request.user, scope=scope, at=data["at"], after=data["after"], before=data["before"]
    )
    if take.claim is None:
        ctx = {
            "scope": scope,
            "document": scope.document,
            "remaining": take.remaining,
            "moved": bool(data["after"] or data["before"]),
            "restart_url": reverse("claims:review-next") + scope.query(),
        }
        return render(request, "claims/queue_empty.html", ctx)
    return _render_claim(request, take.claim, scope=scope)


def _comparison(claim: Claim, citations, form: ReviewForm) -> list[dict]:
    """Return the claim as it is now beside what the reviewer submitted, row by row."""
    data = form.data
    decision = claim.last_decision
    rows = [
        {
            "what": "Verdict",
            "now": claim.get_verdict_display(),
            "yours": Verdict(data["verdict"]).label if data.get("verdict") in Verdict else "—",
        },
        {
            "what": "Rationale",
            "now": decision.rationale if decision else "",
            "yours": data.get("rationale", ""),
        },
    ]
    labels = dict(STANCE_CHOICES)
    for citation in citations:
        now = citation.assessment.get_stance_display() if citation.assessment else "Not assessed"
        yours = labels.get(data.get(f"stance_{citation.pk}", ""), "—") or "Not assessed"
        rows.append({"what": f"Source [{citation.source.label}]", "now": now, "yours": yours})
    for row in rows:
        row["differs"] = (row["now"] or "—") != (row["yours"] or "—")
    return rows


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the reviewer's verdict and assessments; a stale form comes back with 409."""
    claim = claim_get_for_user(user=request.user, pk=pk, permission=DECIDE)
    citations, _ = claim_suggestion(claim)
    if "use_passage" in request.POST or "preview" in request.POST:
        # Without JavaScript: "Use as quote" comes back with the passage in its source's quote
        # box, "Update the suggestion" with the suggestion for the stances chosen; nothing is
        # recorded until the reviewer submits.
        data = _with_passage(request.POST, claim, citations)
        form = ReviewForm(data, citations=citations)
        form.is_valid()
        form.errors.clear()  # not a submission: nothing to refuse yet
        return _render_claim(request, claim, form=form, scope=form.scope())
    form = ReviewForm(request.POST, citations=citations)
    if not form.is_valid():
        return _render_claim(request, claim, form=form, scope=form.scope(), status=400)
    data = form.cleaned_data
    scope = form.scope()
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
            compare=_comparison(claim, citations, form),
            scope=scope,
            status=409,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_claim(request, claim, form=form, scope=scope, status=400)
    services.queue_release(user=request.user, claim=claim)
    messages.success(request, _decided_message(claim, outcome, data["verdict"]))
    note = request.POST.get("text", "").strip()
    if note:
        # A note typed beside the decision is posted with it rather than lost.
        services.claim_note_add(claim=claim, author=request.user, text=note[:NOTE_MAX])
        messages.success(request, f"Note posted on claim {claim.pk}.")
    if scope is not None:
        return redirect(_claim_or_queue(claim, scope, after=claim.pk))
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


def _citation_action(request: HttpRequest, pk: int, citation_pk: int | None, action: str):
    """Confirm, move or detach a footnote (or confirm them all), posted with the review form.

    What the reviewer typed on the review form is kept (the next page restores it); a move or
    a detach asks first, then offers to undo it.
    """
    claim = claim_get_for_user(user=request.user, pk=pk, permission=SETTLE)
    citation = None
    if citation_pk is not None:
        citation = citation_get_for_user(
            user=request.user, claim_pk=claim.pk, pk=citation_pk, permission=SETTLE
        )
    _stash_draft(request, claim)
    form = AttributionForm(request.POST)
    if not form.is_valid():
        return _render_claim(request, claim, errors=form_errors(form), status=400)
    data = form.cleaned_data
    scope = form.scope()
    back = _claim_or_queue(claim, scope)
    if data["cancel"]:
        return redirect(back)
    if action in ("move", "detach") and not data["confirmed"]:
        ctx = {
            "claim": claim,
            "citation": citation,
            "action": action,
            "target": claim_before(claim) if action == "move" else None,
            "form": form,
            "back": back,
        }
        return render(request, "claims/attribution_confirm.html", ctx)
    args = {"actor": request.user, "reason": data["reason"], "version": data["version"]}
    label = citation.source.label if citation else ""
    try:
        if action == "confirm-all":
            confirmed = services.citations_confirm_all(claim=claim, **args)
            labels = "".join(f"[{c.source.label}]" for c in confirmed)
            text = f"Footnotes {labels} confirmed on claim {claim.pk}."
        elif action == "confirm":
            services.citation_confirm(citation=citation, **args)
            text = f"Footnote [{label}] confirmed on claim {claim.pk}."
        elif action == "detach":
            services.citation_detach(citation=citation, **args)
            text = f"Footnote [{label}] detached from claim {claim.pk}."
        else:
            moved = services.citation_move(citation=citation, **args)
            text = f"Footnote [{label}] moved from claim {claim.pk} to claim {moved.claim_id}."
    except services.StaleVersion as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        return _render_claim(request, claim, conflict=str(exc), scope=scope, status=409)
    except ValidationError as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        return _render_claim(request, claim, errors=exc.messages, scope=scope, status=400)
    if action in ("move", "detach"):
        offer = undo_offer(claim_pk=claim.pk, citation_pk=citation.pk)
        if offer is not None:
            request.session["undo"] = offer
    messages.success(request, text, extra_tags="undo" if action in ("move", "detach") else "")
    return redirect(back)


@login_required
@require_POST
def citation_confirm(request: HttpRequest, pk: int, citation_pk: int) -> HttpResponse:
    """Confirm that a leading footnote belongs to this claim."""
    return _citation_action(request, pk, citation_pk, "confirm")


@login_required
@require_POST
def citations_confirm_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm every leading footnote of this claim awaiting a check, as printed."""
    return _citation_action(request, pk, None, "confirm-all")


@login_required
@require_POST
def citation_move(request: HttpRequest, pk: int, citation_pk: int) -> HttpResponse:
    """Move a leading footnote to the claim before this one (after asking)."""
    return _citation_action(request, pk, citation_pk, "move")


@login_required
@require_POST
def citation_detach(request: HttpRequest, pk: int, citation_pk: int) -> HttpResponse:
    """Detach a footnote whose sentence is not in the document (after asking)."""
    return _citation_action(request, pk, citation_pk, "detach")


@login_required
@require_POST
def citation_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a footnote action offered on claim `pk`'s page; the review form's draft is kept."""
    claim = claim_get_for_user(user=request.user, pk=pk, permission=SETTLE)
    _stash_draft(request, claim)
    form = UndoForm(request.POST)
    if not form.is_valid():
        return _render_claim(request, claim, errors=form_errors(form), status=400)
    scope = form.scope()
    try:
        citation = services.citation_undo(event_id=form.cleaned_data["event"], actor=request.user)
    except services.StaleVersion as exc:
        claim = claim_get_for_user(user=request.user, pk=pk)
        return _render_claim(request, claim, conflict=str(exc), scope=scope, status=409)
    except ValidationError as exc:
        return _render_claim(request, claim, errors=exc.messages, scope=scope, status=400)
    messages.success(
        request,
        f"Undone: footnote [{citation.source.label}] is back on claim {citation.claim_id}, "
        "as printed.",
    )
    return redirect(_claim_or_queue(claim, scope))


@login_required
@require_POST
def claim_skip(request: HttpRequest, pk: int) -> HttpResponse:
    """Pass on a claim in the queue, with a reason; the queue goes on to the next one."""
    claim = claim_get_for_user(user=request.user, pk=pk, permission=DECIDE)
    _stash_draft(request, claim)
    form = SkipForm(request.POST)
    if not form.is_valid():
        scope = form.scope() if hasattr(form, "cleaned_data") else None
        return _render_claim(request, claim, errors=form_errors(form), scope=scope, status=400)
    skip = services.claim_skip(
        claim=claim, actor=request.user, reason=form.cleaned_data["skip_reason"]
    )
    messages.success(
        request,
        f"Claim {claim.pk} skipped ({skip.get_reason_display().lower()}): it is at the "
        "back of your queue.",
    )
    scope = form.scope() or QueueScope(document=claim.document.name)
    return redirect(_claim_or_queue(claim, scope, after=claim.pk))


@login_required
@require_POST
def claim_note(request: HttpRequest, pk: int) -> HttpResponse:
    """Post a note in the claim's discussion."""
    claim = claim_get_for_user(user=request.user, pk=pk, permission=DECIDE)
    # A note is posted with the review form, when there is one: keep the rest of it.
    _stash_draft(request, claim, note=False)
    form = NoteForm(request.POST, auto_id="note-%s")
    queue = QueueFields(request.POST)
    queue.is_valid()
    if form.is_valid():
        try:
            services.claim_note_add(
                claim=claim, author=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Note posted on claim {claim.pk}.")
            return redirect(_claim_or_queue(claim, queue.scope()) + "#discussion")
    return _render_claim(request, claim, errors=form_errors(form), scope=queue.scope(), status=400)


@login_required
@require_POST
def claim_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the claim to a reviewer, or to nobody (editors)."""
    claim = claim_get_for_user(user=request.user, pk=pk, permission=ASSIGN)
    form = AssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        seen = int(data["seen"]) if data["seen"].isdigit() else None
        try:
            services.claim_assign(
                claim=claim,
                assignee=data["assignee"],
                actor=request.user,
                reason=data["reason"],
                seen=seen,
            )
        except ValidationError as exc:
            return _render_claim(request, claim, errors=exc.messages, status=409)
        who = data["assignee"].get_username() if data["assignee"] else "nobody"
        messages.success(request, f"Claim {claim.pk} assigned to {who}.")
        return redirect("claims:detail", pk=claim.pk)
    return _render_claim(request, claim, errors=form_errors(form), status=400)


@login_required
@require_POST
def document_assign(request: HttpRequest) -> HttpResponse:
    """Assign every live claim of a document to a reviewer, or to nobody (editors)."""
    require_perm(request.user, ASSIGN, "assign claims")
    form = DocumentAssignForm(request.POST)
    if not form.is_valid():
        return bad_request(request, form_errors(form))
    data = form.cleaned_data
    try:
        changed = services.document_assign(
            document=data["document"],
            assignee=data["assignee"],
            actor=request.user,
            reason=data["reason"],
        )
    except ValidationError as exc:
        return bad_request(request, exc.messages)
    who = data["assignee"].get_username() if data["assignee"] else "nobody"
    messages.success(
        request,
        f"{plural(changed, 'claim')} of {data['document'].name} assigned to {who}.",
    )
    return redirect(reverse("claims:list") + "?" + urlencode({"document": data["document"].name}))


def plural(n: int, noun: str) -> str:
    """Return "1 claim" or "2 claims"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


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
