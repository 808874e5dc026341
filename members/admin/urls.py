"""The staff pages' addresses under /admin/ (``register_admin_urls``); names and paths are stable.

Printed QR codes point at ``checkin/<token>/`` and coordinators bookmark the rest: change none.
"""

from django.urls import path

import core.converters  # noqa: F401 - registers the <id:> converter

from . import certificates, scanner, views

urlpatterns = [
    path("members/attendance/<id:training_id>/", views.attendance_sheet, name="members_attendance_sheet"),
    path("checkin/", views.checkin_start, name="members_checkin_start"),
    path("checkin/<uuid:token>/", views.checkin, name="members_checkin"),
    # The scanner (members/admin/scanner.py); its service worker's scope is checkin/scanner/.
    path("checkin/scanner/sw.js", scanner.service_worker, name="members_scanner_service_worker"),
    path("checkin/scanner/<id:training_id>/", scanner.scanner, name="members_scanner"),
    path("checkin/scanner/<id:training_id>/<id:session_id>/roster/", scanner.roster, name="members_scanner_roster"),
    path("checkin/scanner/<id:training_id>/<id:session_id>/scans/", scanner.scans, name="members_scanner_scans"),
    path(
        "checkin/scanner/<id:training_id>/<id:session_id>/walk-in/search/",
        scanner.walk_in_search,
        name="members_scanner_walk_in_search",
    ),
    path(
        "checkin/scanner/<id:training_id>/<id:session_id>/walk-in/",
        scanner.walk_in,
        name="members_scanner_walk_in",
    ),
    path("members/certificates/issue/<id:training_id>/", certificates.issue, name="members_certificates_issue"),
    path("members/certificates/<id:certificate_id>/pdf/", certificates.certificate_pdf, name="members_certificate_pdf"),
    path("members/certificates/<id:certificate_id>/revoke/", certificates.revoke, name="members_certificate_revoke"),
    path("members/certificates/<id:certificate_id>/reissue/", certificates.reissue, name="members_certificate_reissue"),
    path("members/import/", views.import_members, name="members_import"),
    path("members/<id:member_id>/email/", views.member_email, name="members_member_email"),
    path("members/import/jobs/", views.import_jobs, name="members_import_jobs"),
    path("members/import/jobs/<id:job_id>/", views.import_job, name="members_import_job"),
    path("members/import/jobs/<id:job_id>/report.csv", views.import_job_report, name="members_import_report"),
]
