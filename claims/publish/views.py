"""The public review pages: no sign-in, read-only, nothing about reviewers unless configured.

Each view reads through claims/publish/selectors.py; an unpublished, withdrawn or re-opened
claim is a 404 like a claim that never existed.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from claims.exports.claimreview import claim_review
from claims.exports.rows import json_text
from claims.publish.forms import IndexForm
from claims.publish.selectors import public_review, public_reviews_page, public_url


def _render(request: HttpRequest, template: str, ctx: dict, status: int = 200) -> HttpResponse:
    ctx = {"organisation": settings.WORKBENCH_ORGANISATION, **ctx}
    return render(request, f"public/{template}", ctx, status=status)


def _not_found(request: HttpRequest) -> HttpResponse:
    return _render(request, "not_found.html", {}, status=404)


@require_safe
def review_index(request: HttpRequest) -> HttpResponse:
    """List the published reviews, newest first, one keyset page at a time."""
    form = IndexForm(request.GET)
    if not form.is_valid():
        errors = [message for messages in form.errors.values() for message in messages]
        return _render(request, "bad_request.html", {"errors": errors}, status=400)
    page = public_reviews_page(after=form.cleaned_data["after"])
    ctx = {
        "reviews": page.reviews,
        "next_url": f"{reverse('public:index')}?after={page.next_cursor}"
        if page.next_cursor
        else "",
        "is_first_page": not form.cleaned_data["after"],
        "canonical": f"{settings.WORKBENCH_BASE_URL}{reverse('public:index')}",
    }
    return _render(request, "review_list.html", ctx)


@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one published review with its ClaimReview JSON-LD; 404 unless it is public."""
    review = public_review(pk)
    if review is None:
        return _not_found(request)
    ctx = {
        "review": review,
        "claim": review.claim,
        "document": review.claim.document,
        "decision": review.decision,
        "show_reviewer": settings.WORKBENCH_PUBLISH_REVIEWERS,
        # HTML-safe JSON (`<`, `>`, `&` escaped): nothing in a claim can end the <script>.
        "claim_review_json": json_text(claim_review(review), indent=2),
        "canonical": public_url(review.claim.id),
    }
    return _render(request, "review_detail.html", ctx)
