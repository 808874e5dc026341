"""The check-in scanner: a page per training (and session) for a coordinator's phone, and its JSON.

The page (members/templates/members/admin/scanner.html, members/static/members/checkin/) reads
members' QR codes with the camera, keeps the session's roster on the phone (IndexedDB) and queues
scans made without signal; these views only answer it. Every answer comes from members.attendance;
every view asks the one check-in rule (access.require_checkin_access) for the training.

- ``scanner``: the page;
- ``roster``: what the phone keeps (code, name, PAC, checked in at) and the counts;
- ``scans``: POST a batch of scans (each with the id the phone made): applied once each;
- ``walk_in_search`` / ``walk_in``: verified members not seated yet, and giving one a seat;
- ``service_worker``: the script that keeps the page and its files for use without signal.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from programs import sessions
from programs.models import TrainingPage, TrainingSession

from .. import attendance
from ..enrollment import EnrollmentError
from ..models import Member
from .access import may_see, require_checkin_access

# A batch from a phone that was offline for a whole day of a big training still fits.
MAX_BATCH = 500
# The roster stays on the phone until this long after the session ends, then the page clears it.
ROSTER_KEPT_AFTER = timedelta(hours=12)
UUID_IN_TEXT = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.IGNORECASE)


def _training_and_session(request, training_id, session_id=None) -> tuple[TrainingPage, TrainingSession]:
    training = get_object_or_404(TrainingPage, pk=training_id)
    require_checkin_access(request, training)
    if session_id is not None:
        return training, get_object_or_404(TrainingSession, pk=session_id, training=training)
    chosen = request.GET.get("session")
    if chosen and chosen.isdigit():
        return training, get_object_or_404(TrainingSession, pk=int(chosen), training=training, withdrawn=False)
    session = sessions.current_session(training=training)
    if session is None:
        raise Http404
    return training, session


def _counts(session: TrainingSession) -> dict:
    counts = attendance.session_counts(session=session)
    return {"expected": counts.expected, "checked_in": counts.checked_in, "walk_ins": counts.walk_ins}


def camera_allowed_policy() -> str:
    """The site's Permissions-Policy with the camera allowed for this origin (the scanner needs it)."""
    return settings.PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


def scanner(request, training_id):
    training, session = _training_and_session(request, training_id)
    urls = {
        name: reverse(f"members_scanner_{name}", args=[training.pk, session.pk])
        for name in ("roster", "scans", "walk_in_search", "walk_in")
    }
    config = {
        "session": session.pk,
        "training": training.pk,
        "urls": urls,
        "serviceWorker": reverse("members_scanner_service_worker"),
        "serviceWorkerScope": reverse("members_scanner_service_worker").rsplit("/", 1)[0] + "/",
        "expires": (session.ends_at + ROSTER_KEPT_AFTER).isoformat(),
        "texts": {
            "checkedIn": _("Present"),
            "already": _("Already present"),
            "refused": _("Not checked in"),
            "walkIn": _("Walk-in added"),
            "queued": _("Saved on this phone; sent when the signal returns."),
            "unknownCode": _("This code is not on this session's list."),
            "alreadyAt": _("Already present since %(time)s."),
            "offline": _("No signal: scans are kept on this phone."),
            "online": _("Online"),
            "waiting": _("%(count)s scans waiting to be sent"),
            "noCamera": _("The camera could not be opened. Use the name search below."),
            "confirmWalkIn": _("Give %(name)s a seat and check them in?"),
            "walkInOffline": _("Walk-ins need a signal: the seat is given by the server."),
        },
    }
    context = {
        "training": training,
        "session": session,
        "days": sessions.held_sessions(training=training),
        "counts": _counts(session),
        "config": config,
        "may_add_walk_ins": may_see(request.user, Member),
    }
    response = TemplateResponse(request, "members/admin/scanner.html", context)
    response["Permissions-Policy"] = camera_allowed_policy()
    return response


@require_GET
def roster(request, training_id, session_id):
    _training, session = _training_and_session(request, training_id, session_id)
    return JsonResponse(
        {
            "session": session.pk,
            "expires": (session.ends_at + ROSTER_KEPT_AFTER).isoformat(),
            "people": attendance.roster(session=session),
            "counts": _counts(session),
        }
    )


def _token(text) -> str | None:
    match = UUID_IN_TEXT.search(str(text or ""))
    return match.group(1).lower() if match else None


@require_POST
def scans(request, training_id, session_id):
    """A batch of scans (``{"scans": [{"scan_id", "code" | "enrollment", "scanned_at"}]}``), each applied once."""
    _training, session = _training_and_session(request, training_id, session_id)
    try:
        batch = json.loads(request.body or b"{}").get("scans", [])
    except (ValueError, AttributeError):
        return HttpResponseBadRequest(_("The scans could not be read."))
    if not isinstance(batch, list) or len(batch) > MAX_BATCH:
        return HttpResponseBadRequest(_("Send at most %(count)d scans at once.") % {"count": MAX_BATCH})
    answers = []
    for item in batch:
        if not isinstance(item, dict):
            return HttpResponseBadRequest(_("The scans could not be read."))
        enrollment_id = item.get("enrollment")
        scanned_at = parse_datetime(str(item.get("scanned_at") or "")) if item.get("scanned_at") else None
        try:
            answer = attendance.apply_scan(
                scan_id=item.get("scan_id"),
                session=session,
                by=request.user,
                token=_token(item.get("code")),
                enrollment_id=int(enrollment_id) if str(enrollment_id or "").isdigit() else None,
                scanned_at=scanned_at,
            )
        except (EnrollmentError, ValueError):
            answers.append({"scan_id": str(item.get("scan_id")), "result": "invalid", "ok": False})
            continue
        answers.append(answer.as_json())
    return JsonResponse({"answers": answers, "counts": _counts(session)})


@require_GET
def walk_in_search(request, training_id, session_id):
    training, _session = _training_and_session(request, training_id, session_id)
    if not may_see(request.user, Member):
        raise Http404
    found = attendance.walk_in_candidates(training=training, query=request.GET.get("q", ""))
    return JsonResponse(
        {
            "members": [
                {
                    "member": member.pk,
                    "name": member.full_name,
                    "district": member.district.name if member.district_id else "",
                }
                for member in found
            ]
        }
    )


@require_POST
def walk_in(request, training_id, session_id):
    _training, session = _training_and_session(request, training_id, session_id)
    if not may_see(request.user, Member):
        raise Http404
    try:
        data = json.loads(request.body or b"{}")
        member = Member.objects.filter(pk=int(data.get("member")), anonymised_at__isnull=True).first()
    except (ValueError, TypeError, AttributeError):
        member = None
    if member is None:
        return HttpResponseBadRequest(_("Choose a member from the search."))
    try:
        answer = attendance.admit_walk_in(scan_id=data.get("scan_id"), session=session, member=member, by=request.user)
    except EnrollmentError as error:
        return JsonResponse(
            {"result": "refused", "ok": False, "message": str(error.message), "name": member.full_name},
            status=409,
        )
    return JsonResponse({"answer": answer.as_json(), "counts": _counts(session)})


def service_worker(request):
    """The scanner's service worker, served from under the scanner's address so that its scope covers it."""
    path = finders.find("members/checkin/sw.js")
    response = HttpResponse(Path(path).read_text(encoding="utf-8"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
