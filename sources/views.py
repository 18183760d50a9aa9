"""The sources register and a source's page, where editors edit it through source_update."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
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
    source_list,
)
from sources.services import source_update

PAGE_SIZE = 100
EDIT = "sources.change_source"


@login_required
@require_GET
def source_list_view(request: HttpRequest) -> HttpResponse:
    """List the sources matching the filters, with how often each is cited."""
    if not request.user.has_perm("sources.view_source"):
        raise PermissionDenied
    filters = request.GET.copy()
    filters.pop("page", None)
    filterset = source_filterset(filters)
    sources = source_list(filters=filters)
    page = None
    if sources is not None:
        page = Paginator(sources, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx = {"form": filterset.form, "page": page}
    return render(request, "sources/source_list.html", ctx, status=200 if page else 400)


def _initial(source: Source) -> dict:
    return {name: getattr(source, name) for name in Source.EDITABLE_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a source and every claim citing it; editors change it here, with a reason."""
    source = source_get_for_user(user=request.user, pk=pk)
    can_edit = request.user.has_perm(EDIT)
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = SourceForm(request.POST)
        if form.is_valid():
            try:
                source_update(
                    source=source,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    **form.changes(),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
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
