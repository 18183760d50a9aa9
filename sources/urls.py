from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("", views.source_list_view, name="list"),
    path("import/", views.document_import_view, name="import"),
    path("<int:pk>/", views.source_detail, name="detail"),
    path("<int:pk>/upload/", views.source_upload, name="upload"),
    path("<int:pk>/fetch/", views.source_fetch, name="fetch"),
    path("<int:pk>/fill/", views.source_fill, name="fill"),
]
