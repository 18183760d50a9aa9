"""The sources register and a source's page, where editors edit it through source_update."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

# The source page acts on the claims citing a source (design.md: sources' views may use claims).
from claims.formats import parse_document
from claims.formats.base import FormatError
from claims.services.evidence import source_fetch_request, source_snapshot_upload
from claims.services.imports import document_import
from sources.forms import (
    DocumentImportForm,
    FillForm,
    ImportConfirmForm,
    SnapshotUploadForm,
    SourceForm,
)
from sources.models import Source
from sources.pending import hold, take
from sources.selectors import (
    source_citation_rows,
    source_citations,
    source_cited_counts,
    source_fetch_status,
    source_fill_offer,
    source_filterset,
    source_get_for_user,
    source_history,
    source_list_for_user,
    source_snapshots,
)
from sources.services import StaleSource, source_update
from sources.snapshots import Upload
from workbench.forms import add_service_errors
from workbench.pagination import EstimatedCountPaginator
from workbench.permissions import has_perm, require_perm

PAGE_SIZE = 50  # rows a page of the register or of a source's claims: as the claim list
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
        page = EstimatedCountPaginator(sources, PAGE_SIZE).get_page(request.GET.get("page"))
        source_cited_counts(page.object_list)
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
                ctx = _detail_ctx(request, exc.source, form=SourceForm(retry), conflict=str(exc))
                return render(request, "sources/source_detail.html", ctx, status=409)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Source [{source.label}] saved.")
                return redirect("sources:detail", pk=source.pk)
        status = 400
    else:
        form = SourceForm(initial=_initial(source))
    ctx = _detail_ctx(request, source, form=form if can_edit else None)
    return render(request, "sources/source_detail.html", ctx, status=status)


def _detail_ctx(request: HttpRequest, source: Source, **extra) -> dict:
    """Return what the source page shows: details, snapshots, the claims citing it."""
    can_edit = has_perm(request.user, EDIT)
    citations = EstimatedCountPaginator(source_citations(source), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    citations.object_list = source_citation_rows(citations.object_list)
    return {
        "source": source,
        "citations": citations,
        "snapshots": source_snapshots(source),
        "fetch": source_fetch_status(source),
        "fill": source_fill_offer(source) if can_edit else {},
        "upload_form": SnapshotUploadForm() if can_edit else None,
        "can_edit": can_edit,
        "history": source_history(source),
        **extra,
    }


@login_required
@require_POST
def source_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep an uploaded file (HTML, PDF, text) as the source's snapshot (editors)."""
    source = source_get_for_user(user=request.user, pk=pk, permission=EDIT)
    form = SnapshotUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            snapshot = source_snapshot_upload(
                source=source,
                upload=Upload(upload.name, upload.read(), upload.content_type or ""),
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, f"Kept {upload.name}: {len(snapshot.text):,} characters.")
            return redirect("sources:detail", pk=source.pk)
    ctx = _detail_ctx(request, source, form=SourceForm(initial=_initial(source)))
    ctx["upload_form"] = form
    return render(request, "sources/source_detail.html", ctx, status=400)


@login_required
@require_POST
def source_fetch(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the background worker to fetch the source's URL (editors)."""
    source = source_get_for_user(user=request.user, pk=pk, permission=EDIT)
    try:
        source_fetch_request(source=source, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Fetching the source in the background: this page shows how it went."
        )
    return redirect("sources:detail", pk=source.pk)


@login_required
@require_POST
def source_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the source's empty fields from what its latest snapshot says (editors)."""
    source = source_get_for_user(user=request.user, pk=pk, permission=EDIT)
    form = FillForm(request.POST)
    offer = source_fill_offer(source)
    if not form.is_valid() or not offer:
        messages.error(request, "Nothing to fill (or the page was out of date): look again.")
        return redirect("sources:detail", pk=source.pk)
    try:
        source_update(
            source=source,
            actor=request.user,
            version=form.cleaned_data["version"],
            reason=f"Filled from snapshot {source.snapshot_id} of the source",
            **{name: value for name, (value, _) in offer.items()},
        )
    except StaleSource as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Filled {', '.join(offer)} from the snapshot.")
    return redirect("sources:detail", pk=source.pk)


IMPORT = "sources.add_document"


@login_required
@require_http_methods(["GET", "POST"])
def document_import_view(request: HttpRequest) -> HttpResponse:
    """Import an article from the browser: a dry run first, then the import on confirmation.

    Editors and admins only. The dry run changes nothing and shows what the import would do;
    the bytes wait on the server (sources/pending.py) until the editor confirms or leaves.
    """
    require_perm(request.user, IMPORT, "import documents")
    if request.method == "GET":
        return render(request, "sources/document_import.html", {"form": DocumentImportForm()})
    if "confirm" in request.POST:
        return _import_confirmed(request)
    form = DocumentImportForm(request.POST, request.FILES)
    ctx: dict = {"form": form}
    if form.is_valid():
        name, data = form.content()
        fmt = form.cleaned_data["format"] or None
        try:
            report = document_import(
                name=name, data=data, actor=request.user, fmt=fmt, dry_run=True
            )
            preview = parse_document(data, name, fmt)
        except FormatError as exc:
            form.add_error(
                "file" if form.cleaned_data.get("file") else "text", exc.message_for(name)
            )
        else:
            ctx.update(
                report=report,
                preview=preview.claims[:PREVIEW_CLAIMS],
                warnings=preview.warnings[:PREVIEW_CLAIMS],
                described=len(preview.sources),
                confirm=ImportConfirmForm(
                    initial={
                        "token": hold(request.user.pk, data),
                        "name": name,
                        "format": form.cleaned_data["format"],
                    }
                ),
            )
            return render(request, "sources/document_import.html", ctx)
    return render(request, "sources/document_import.html", ctx, status=400)


#: How many claims (and warnings) the dry run shows as they will look.
PREVIEW_CLAIMS = 10


def _import_confirmed(request: HttpRequest) -> HttpResponse:
    confirm = ImportConfirmForm(request.POST)
    data = take(request.user.pk, confirm.data.get("token", "")) if confirm.is_valid() else None
    if data is None:
        problem = (
            "That import is no longer waiting (it was done, or is over a day old): "
            "choose the file again."
        )
        ctx = {"form": DocumentImportForm(), "errors": [problem]}
        return render(request, "sources/document_import.html", ctx, status=400)
    name, fmt = confirm.cleaned_data["name"], confirm.cleaned_data["format"] or None
    try:
        report = document_import(name=name, data=data, actor=request.user, fmt=fmt)
    except FormatError as exc:
        ctx = {"form": DocumentImportForm(), "errors": [exc.message_for(name)]}
        return render(request, "sources/document_import.html", ctx, status=400)
    messages.success(request, f"Imported {report.summary()}.")
    return redirect(f"{reverse('claims:list')}?document={quote(report.document.name)}")
