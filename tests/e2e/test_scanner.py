"""The check-in scanner on a coordinator's phone at a venue without signal, for a training of two days.

Chromium's fake camera plays a video made here of a real frame: Nur'aini's check-in QR code as her
dashboard shows it. The page decodes it with the same code it uses on a phone (jsQR here:
Chromium on Linux has no BarcodeDetector), while the browser is offline; the scan waits on the
phone, and once the signal returns it is recorded, once.
"""

from datetime import timedelta

import pytest

from .browser import CHROMIUM_ARGS, PHONE, Visitor

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def write_y4m(path, text: str, *, width: int = 640, height: int = 480, frames: int = 10) -> None:
    """A short YUV4MPEG2 video (what Chromium's fake camera reads) showing the QR code of ``text``."""
    import io

    import segno
    from PIL import Image

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=7, border=4)
    code = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + planes)


def test_a_scan_without_signal_is_recorded_once_when_the_signal_returns(
    live_site, browser, artifacts_root, tmp_path, roles, make_person, make_training
):
    from django.utils import timezone

    from members import enrollment as service
    from members.models import Attendance, Member
    from members.templatetags.checkin_tags import checkin_url
    from programs import sessions
    from tests.people import JUMAT, NURAINI, PASSWORD

    from ..services import require_chromium

    now = timezone.now().replace(second=0, microsecond=0)
    day_one, day_two = now - timedelta(hours=1), now + timedelta(days=1) - timedelta(hours=1)
    training = make_training(
        title="Pemasaran Digital Dua Hari",
        sessions=[
            {
                "type": "session",
                "value": {"starts_at": day.isoformat(), "ends_at": (day + timedelta(hours=6)).isoformat()},
            }
            for day in (day_one, day_two)
        ],
    )
    week_ago = now - timedelta(days=7)
    nuraini = service.enroll(member=Member.objects.get(user=roles.member), training=training, now=week_ago)
    service.enroll(member=make_person(JUMAT), training=training, now=week_ago)
    today = sessions.held_sessions(training=training)[0]

    video = tmp_path / "kode-nuraini.y4m"
    write_y4m(video, checkin_url(nuraini))
    camera = browser.browser_type.launch(
        executable_path=require_chromium(),
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    phone = None
    said = []
    try:
        phone = Visitor.open(
            camera, name="scanner-coordinator", base_url=live_site.url, artifacts=artifacts_root, **PHONE
        )
        phone.context.grant_permissions(["camera"])
        page = phone.page
        said = []
        page.on("console", lambda message: said.append(f"{message.type}: {message.text}"))
        phone.goto("/admin/")
        page.wait_for_url("**/akun/login/**")
        page.fill("input[name=login]", roles.coordinator.email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/admin/")

        # Before the event: the scanner stores today's list on the phone.
        phone.goto(f"/admin/checkin/scanner/{training.pk}/")
        page.wait_for_function("window.checkinScanner && window.checkinScanner.roster().people.length === 2")
        assert page.get_by_role("link", name="Hari 2").is_visible()
        phone.assert_fits_width()
        phone.shoot("scanner-online")

        # No signal in the village hall: the camera reads Nur'aini's code, the phone says so at once.
        phone.context.set_offline(True)
        page.get_by_role("button", name="Buka kamera").click()
        page.locator("[data-name]").get_by_text(NURAINI.full_name).wait_for()
        assert page.locator("[data-verdict]").inner_text() == "Hadir"
        assert "PAC Talawi" in page.locator("[data-district]").inner_text()
        page.locator("[data-scanner-queue]").get_by_text("menunggu dikirim").wait_for()
        assert page.locator("[data-count=checked_in]").inner_text() == "1"
        phone.shoot("scanner-offline")
        assert not Attendance.objects.filter(enrollment=nuraini).exists()

        # The signal returns: the queue goes out, and the server holds one attendance for today.
        phone.context.set_offline(False)
        page.wait_for_function("window.checkinScanner.queued().then((items) => items.length === 0)")
        page.wait_for_function("document.querySelector('[data-scanner-queue]').textContent === ''")
        phone.shoot("scanner-back-online")
        (present,) = Attendance.objects.filter(enrollment=nuraini)
        assert present.session_id == today.pk and present.recorded_by_id == roles.coordinator.pk
        assert Attendance.objects.count() == 1
        phone.context.close()
        # Offline, loads fail: the page's own (ERR_INTERNET_DISCONNECTED) and the favicon Chromium
        # fetches by itself whenever it likes (seen failing as ERR_FAILED through the service worker).
        unexpected = [
            problem
            for problem in phone.problems
            if "ERR_INTERNET_DISCONNECTED" not in problem.text
            and not ("favicon.ico" in problem.text and "net::ERR_" in problem.text)
        ]
        assert not unexpected, "\n".join(str(problem) for problem in unexpected)
    except Exception:
        if phone is not None and not phone.page.is_closed():
            print(f"scanner was at {phone.page.url}: {phone.shoot('at-failure')}")
            print("\n".join(str(problem) for problem in phone.problems))
            print("console:", "\n".join(said))
        raise
    finally:
        camera.close()
