import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_creates_the_branch_site():
    call_command("seed_demo", verbosity=0)
    from wagtail.models import Site

    from core.models import District
    from home.models import HomePage, SiteSettings

    home = HomePage.objects.get()
    assert home.live
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    assert SiteSettings.objects.get().organisation_name == "PC GP Ansor Kabupaten Batu Bara"
    assert District.objects.count() == 12
    assert list(District.objects.values_list("name", flat=True)[:2]) == ["Air Putih", "Datuk Lima Puluh"]
    assert set(Group.objects.values_list("name", flat=True)) >= {"Editor", "Koordinator"}


def test_seed_demo_twice_changes_nothing_the_second_time():
    call_command("seed_demo", "--accounts", verbosity=0)
    before = row_counts()
    from home.models import HomePage

    revision_before = HomePage.objects.get().latest_revision_id
    call_command("seed_demo", "--accounts", verbosity=0)
    assert row_counts() == before
    assert HomePage.objects.get().latest_revision_id == revision_before


def test_seed_demo_keeps_what_editors_changed():
    call_command("seed_demo", verbosity=0)
    from home.models import SiteSettings

    SiteSettings.objects.update(tagline="Diubah oleh sekretariat")
    call_command("seed_demo", verbosity=0)
    assert SiteSettings.objects.get().tagline == "Diubah oleh sekretariat"


def test_editor_group_may_publish_pages_and_coordinators_may_not():
    call_command("seed_demo", verbosity=0)
    from wagtail.models import GroupPagePermission

    editor_codenames = set(
        GroupPagePermission.objects.filter(group__name="Editor").values_list("permission__codename", flat=True)
    )
    assert {"add_page", "change_page", "publish_page"} <= editor_codenames
    assert not GroupPagePermission.objects.filter(group__name="Koordinator").exists()
    coordinators = Group.objects.get(name="Koordinator")
    assert coordinators.permissions.filter(codename="access_admin").exists()


def test_demo_accounts_only_on_request(django_user_model):
    call_command("seed_demo", verbosity=0)
    assert not django_user_model.objects.exists()
    call_command("seed_demo", "--accounts", verbosity=0)
    admin = django_user_model.objects.get()
    assert admin.is_superuser
    assert admin.check_password("demo-admin-batubara")


def test_demo_pictures_have_no_blank_white_bar(demo_site):
    """The demo's illustrations are coloured edge to edge: nothing that looks like a picture failing to load."""
    from PIL import Image
    from wagtail.images import get_image_model

    images = list(get_image_model().objects.filter(description__startswith="Ilustrasi: "))
    assert len(images) >= 4  # three articles and the program
    for image in images:
        with image.open_file() as file, Image.open(file) as picture:
            histogram = picture.convert("L").resize((160, 90)).histogram()
        near_white = sum(histogram[236:])
        assert near_white == 0, f"{image.title}: {near_white} of {sum(histogram)} pixels are white"
