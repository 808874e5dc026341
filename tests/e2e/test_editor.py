"""An editor writes and publishes an article with an image; readers find it everywhere."""

import random
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from ..processes import get
from .browser import DESKTOP

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TITLE = "Kader Talawi Panen Rumput Laut Bersama Nelayan"
INTRO = "Kader GP Ansor Talawi memanen rumput laut bersama nelayan di pesisir Batu Bara."


# Wagtail's editor starts watching the form two seconds after it opens; a field's change (on
# leaving it) is then autosaved as a draft, with "Saving…" then "Saved" in the header. The
# test waits for these as a person would, through the editor's own events.
WATCH_EDITOR = """
window.__autosaves = 0;
window.__autosaveBusy = false;
window.__autosaveActivity = Date.now();
document.addEventListener("w-unsaved:watch-edits", () => { window.__watching = true; }, true);
document.addEventListener("w-autosave:save", () => {
    window.__autosaveBusy = true; window.__autosaveActivity = Date.now();
}, true);
document.addEventListener("w-autosave:success", () => {
    window.__autosaves++; window.__autosaveBusy = false; window.__autosaveActivity = Date.now();
}, true);
"""


def wait_for_autosave(page, *, after: int):
    page.wait_for_function(f"window.__autosaves > {after}")


def wait_until_autosave_is_quiet(page):
    """No autosave in flight and none started for 1.5 s (its debounce is 0.5 s).

    Publishing while an autosave is still queued makes Wagtail send that autosave after the
    publish, with the revision it knew before: the server refuses it (400, "Saving will
    overwrite a newer version"), which shows as a console error. An editor who sees
    "Saved" before publishing never meets this; the test waits the same way.
    """
    page.wait_for_function("!window.__autosaveBusy && Date.now() - window.__autosaveActivity > 1500")


@pytest.fixture
def editor(django_user_model):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(email="redaksi@example.org", password="kata-sandi-redaksi")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def photo(tmp_path):
    """A photo no one has uploaded before (Wagtail would ask about a duplicate)."""
    path = tmp_path / "panen-rumput-laut.jpg"
    image = Image.new("RGB", (1200, 800), tuple(random.randrange(40, 220) for _ in range(3)))  # noqa: S311
    image.save(path, quality=85)
    return path


def test_editor_publishes_an_article_with_an_image_and_readers_find_it(live_site, visitor, editor, photo):
    from news.models import NewsArticlePage, NewsIndexPage

    news_index = NewsIndexPage.objects.get()
    desk = visitor("editor", **DESKTOP)
    page = desk.page

    desk.goto("/admin/")  # one login for everyone: allauth's, then back to the admin
    page.wait_for_url("**/akun/login/**")
    page.fill("input[name=login]", editor.email)
    page.fill("input[name=password]", "kata-sandi-redaksi")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")

    # The news index's "add child page" screen: a news article.
    page.add_init_script(WATCH_EDITOR)
    desk.goto(f"/admin/pages/add/news/newsarticlepage/{news_index.pk}/")
    page.wait_for_function("window.__watching === true")
    page.fill("#id_title", TITLE)
    page.keyboard.press("Tab")  # leaving the field is what the editor notices as an edit
    wait_for_autosave(page, after=0)  # the draft exists now, and the editor turned into its edit view
    page.fill("#id_intro", INTRO)

    # The featured image: uploaded in the image chooser, with its description (the alt text).
    page.locator("[data-contentpath=feature_image]").get_by_role("button").first.click()
    modal = page.locator(".modal")
    modal.get_by_role("tab", name="Unggah").click()
    modal.locator("input[type=file]").set_input_files(photo)
    modal.locator("input[name$=-title]").fill("Panen rumput laut di Talawi")
    modal.locator("input[name$=-description]").fill("Kader dan nelayan memanen rumput laut di pantai Talawi")
    modal.locator("#tab-upload").get_by_role("button", name="Unggah").click()
    chosen = page.locator("[data-contentpath=feature_image]")
    chosen.get_by_text("Panen rumput laut di Talawi").wait_for()

    # The body: a paragraph block, typed in the Draftail rich text editor.
    body = page.locator("[data-contentpath=body]")
    body.locator(".c-sf-add-button").first.click()
    page.get_by_role("option", name="Paragraf").click()
    body.locator(".public-DraftEditor-content").click()
    page.keyboard.type("Para kader memanen rumput laut di pantai Talawi sejak subuh. ")
    page.keyboard.press("Control+b")
    page.keyboard.type("Hasil panen tahun ini melimpah.")
    page.keyboard.press("Control+b")
    saves = page.evaluate("window.__autosaves")
    page.get_by_label("UMKM", exact=True).check()
    wait_for_autosave(page, after=saves)  # as an editor would see "Tersimpan" before publishing
    wait_until_autosave_is_quiet(page)
    desk.shoot("admin-article-filled")

    # Publish: the second action of the footer's menu.
    page.locator("footer [data-w-dropdown-target=toggle]").last.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(f"**/admin/pages/{news_index.pk}/")
    assert TITLE in page.locator(".messages").inner_text()
    desk.shoot("admin-after-publish")

    article = NewsArticlePage.objects.get(title=TITLE)
    assert article.live
    assert article.feature_image.description == "Kader dan nelayan memanen rumput laut di pantai Talawi"
    url = article.url  # /berita/<slug>/

    # The editor sees it on the site, with Wagtail's user bar.
    desk.goto(url)
    assert page.locator("h1").inner_text() == TITLE
    desk.finish()

    # A reader, not logged in: the news index, the article, the feed, the search.
    reader = visitor("reader", **DESKTOP)
    page = reader.page
    reader.goto("/")
    reader.shoot("home")
    reader.assert_accessible("home page")

    reader.goto("/berita/")
    first_card = page.locator("main article, main .news-card").first
    assert TITLE in first_card.inner_text()  # the newest article comes first
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url(f"**{url}")
    assert page.locator("h1").inner_text() == TITLE
    assert "Hasil panen tahun ini melimpah." in page.locator("main b, main strong").all_inner_texts()
    figure = page.get_by_role("img", name="Kader dan nelayan memanen rumput laut di pantai Talawi")
    figure.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", figure.element_handle())  # it loaded
    reader.shoot("article")
    reader.assert_accessible("article")

    status, headers, body = get(live_site.url + "/berita/feed/")
    assert status == 200 and "xml" in headers["Content-Type"]
    items = ET.fromstring(body).findall("./channel/item")  # noqa: S314 - our own feed
    assert items[0].findtext("title") == TITLE
    assert items[0].findtext("link").endswith(url)

    reader.goto("/cari/?q=rumput+laut")
    results = page.locator("main").get_by_role("link", name=TITLE)
    assert results.count() >= 1
    reader.shoot("search")
    reader.finish()


def test_editor_sees_the_page_in_the_preview_panel(live_site, visitor, editor):
    """The preview panel frames the page as the admin renders it, without a CSP violation."""
    from programs.models import TrainingPage

    training = TrainingPage.objects.live().first()
    desk = visitor("preview", **DESKTOP)
    page = desk.page
    desk.goto("/akun/login/?next=/admin/")
    page.fill("input[name=login]", editor.email)
    page.fill("input[name=password]", "kata-sandi-redaksi")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")

    desk.goto(f"/admin/pages/{training.pk}/edit/")
    page.locator("[data-side-panel-toggle=preview]").click()
    frame = page.frame_locator("#w-preview-iframe")
    frame.locator("h1").wait_for()
    assert frame.locator("h1").inner_text() == training.title
    desk.shoot("admin-preview-panel")
    desk.finish()  # no console error, no CSP violation (a refused frame is one), in the admin or the frame
