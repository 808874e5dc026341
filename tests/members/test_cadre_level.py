"""One list of cadre levels: what a member picks on the profile is what an editor sets as a training's minimum."""

from django.utils import translation

from members.enrollment import ineligibility
from members.models import Member
from programs.models import TrainingPage


def test_the_editor_sets_a_minimum_from_the_levels_members_pick():
    training_levels = TrainingPage._meta.get_field("min_cadre_level").choices
    member_levels = Member._meta.get_field("cadre_level").choices
    with translation.override("id"):
        labels = [str(label) for _value, label in training_levels]
        assert labels == [str(label) for _value, label in member_levels]
        assert labels == [
            "Belum mengikuti pelatihan kader",
            "PKD (Pelatihan Kepemimpinan Dasar)",
            "PKL (Pelatihan Kepemimpinan Lanjutan)",
            "PKN (Pelatihan Kepemimpinan Nasional)",
        ]


def test_a_refusal_names_the_level_by_its_short_name(make_training, make_active_member):
    member = make_active_member(cadre_level="pkd")
    training = make_training(min_cadre_level="pkn")
    with translation.override("id"):
        assert ineligibility(member=member, training=training) == [
            "Pelatihan ini mensyaratkan jenjang kader minimal PKN."
        ]
