"""Stage work routes under /opportunities/<number>/stage/ (namespace ``gates``)."""

from django.urls import URLPattern, URLResolver, include, path

from . import urls_archive, views

app_name = "gates"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:number>/stage/", views.stage_view, name="stage"),
    path("<str:number>/stage/record/", views.record_view, name="record"),
    path("<str:number>/stage/scores/", views.scores_view, name="scores"),
    path("<str:number>/stage/documents/", views.upload_view, name="upload"),
    path("<str:number>/stage/documents/<int:pk>/confirm/", views.confirm_view, name="confirm"),
    path("<str:number>/stage/documents/<int:pk>/download/", views.download_view, name="download"),
    path("<str:number>/stage/approvals/", views.approval_request_view, name="approval_request"),
    path("<str:number>/stage/approvals/<int:pk>/decide/", views.approval_decide_view, name="approval_decide"),
    path("<str:number>/stage/objections/", views.objection_view, name="objection"),
    path("<str:number>/stage/objections/<int:pk>/resolve/", views.resolve_view, name="resolve"),
    path("<str:number>/stage/supporters/", views.assign_view, name="assign"),
    path("<str:number>/stage/archive/", views.archive_view, name="archive"),
    path("<str:number>/stage/archive/reviews/<int:pk>/decide/", views.review_decide_view, name="review_decide"),
]
# the lifecycle report and the archive ZIP (S5)
urlpatterns.append(path("<str:number>/archive/", include(urls_archive.urlpatterns)))
