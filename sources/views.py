"""The sources register and a source's page, where editors edit it through source_update."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from sources.forms import SourceForm
from sources.models import Source
from sources.selectors import (
    source_citations,
    source_filterset,
    source_get_for_user,
    source_list_for_user,
)
from sources.services import StaleSource, source_update
from workbench.forms import add_service_errors
from workbench.permissions import has_perm, require_perm

PAGE_SIZE = 100
EDIT = "sources.change_source"


@login_required
@require_GET
def source_list_view(request: HttpRequest) -> HttpResponse:
    """List the sources matching the filters, with how often each is cited."""
    filters = request.GET.copy()
    filters.pop("page", None)
    sources = source_list_for_user(user=request.user, filters=filters)
    filterset = source_filterset(filters)
    page = None
    if sources is not None:
        page = Paginator(sources, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": filterset.form, "page": page}
    # A search that matches nothing is an empty page (200); only bad filters are a 400.
    return render(request, "sources/source_list.html", ctx, status=400 if page is None else 200)


def _initial(source: Source) -> dict:
    return {
        **{name: getattr(source, name) for name in Source.EDITABLE_FIELDS},
        "version": source.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a source and every claim citing it; editors change it here, with a reason."""
    source = source_get_for_user(user=request.user, pk=pk)
    can_edit = has_perm(request.user, EDIT)
    status = 200
    if request.method == "POST":
        require_perm(request.user, EDIT, "edit sources")
        form = SourceForm(request.POST)
        if form.is_valid():
            try:
                source_update(
                    source=source,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data["version"],
                    **form.changes(),
                )
            except StaleSource as exc:
                # Keep what the editor typed; only the version moves on, so saving again
                # (after reading the other change, shown above) is a deliberate second submit.
                retry = request.POST.copy()
                retry["version"] = str(exc.source.version)
                ctx = {
                    "source": exc.source,
                    "citations": source_citations(exc.source),
                    "form": SourceForm(retry),
                    "conflict": str(exc),
                }
                return render(request, "sources/source_detail.html", ctx, status=409)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Source [{source.label}] saved.")
                return redirect("sources:detail", pk=source.pk)
        status = 400
    else:
        form = SourceForm(initial=_initial(source))
    ctx = {
        "source": source,
        "citations": source_citations(source),
        "form": form if can_edit else None,
    }
    return render(request, "sources/source_detail.html", ctx, status=status)
