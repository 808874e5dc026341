"""The staff pages' addresses under /admin/ (``register_admin_urls``); names and paths are stable.

Printed QR codes point at ``checkin/<token>/`` and coordinators bookmark the rest: change none.
"""

from django.urls import path

import core.converters  # noqa: F401 - registers the <id:> converter

from . import views

urlpatterns = [
    path("members/attendance/<id:training_id>/", views.attendance_sheet, name="members_attendance_sheet"),
    path("checkin/", views.checkin_start, name="members_checkin_start"),
    path("checkin/<uuid:token>/", views.checkin, name="members_checkin"),
    path("members/import/", views.import_members, name="members_import"),
    path("members/<id:member_id>/email/", views.member_email, name="members_member_email"),
    path("members/import/jobs/", views.import_jobs, name="members_import_jobs"),
    path("members/import/jobs/<id:job_id>/", views.import_job, name="members_import_job"),
    path("members/import/jobs/<id:job_id>/report.csv", views.import_job_report, name="members_import_report"),
]
