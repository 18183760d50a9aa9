from django.urls import include, path

from claims import views
from claims.exports import views as export_views

app_name = "claims"

claim_urls = [
    path("", views.claim_detail, name="detail"),
    path("decide/", views.claim_decide, name="decide"),
    path("claimreview.json", views.claim_claimreview, name="claimreview"),
    path("lock/", views.claim_lock, name="lock"),
    path("reopen/", views.claim_reopen, name="reopen"),
    path("publish/", views.claim_publish, name="publish"),
    path("unpublish/", views.claim_unpublish, name="unpublish"),
    path("adjudication/", views.adjudication_detail, name="adjudication-detail"),
    path("adjudicate/", views.claim_adjudicate, name="adjudicate"),
    path("citations/<int:citation_pk>/confirm/", views.citation_confirm, name="citation-confirm"),
    path("citations/<int:citation_pk>/move/", views.citation_move, name="citation-move"),
    path("citations/<int:citation_pk>/detach/", views.citation_detach, name="citation-detach"),
    path("citations/confirm-all/", views.citations_confirm_all, name="citations-confirm-all"),
    path("undo/", views.citation_undo, name="undo"),
    path("skip/", views.claim_skip, name="skip"),
    path("notes/", views.claim_note, name="note"),
    path("assign/", views.claim_assign, name="assign"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("claims/", views.claim_list_view, name="list"),
    path("claims/export.csv", views.claim_export_csv, name="export-csv"),
    path("claims/export-citations.csv", views.claim_export_csv, name="export-citations-csv"),
    path("decisions/export.csv", views.decisions_export_csv, name="decisions-export-csv"),
    path("exports/<int:pk>/", export_views.export_job, name="export-job"),
    path(
        "exports/<int:pk>/download/", export_views.export_job_download, name="export-job-download"
    ),
    path("claims/<int:pk>/", include(claim_urls)),
    path("review/next/", views.review_next, name="review-next"),
    path("review/adjudication/", views.adjudication_queue, name="adjudication"),
    path("documents/assign/", views.document_assign, name="document-assign"),
]
