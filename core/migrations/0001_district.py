"""District moves here from ``home`` (it is shared data, below every app); its table stays ``home_district``.

State only: the table, its rows and the foreign keys to it are untouched. The content type is
renamed so that permissions given on districts and their history follow the model.
"""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="core", model="district").exists():
        content_type.objects.filter(app_label="home", model="district").update(app_label="core")


def restore_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="home", model="district").exists():
        content_type.objects.filter(app_label="core", model="district").update(app_label="home")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("home", "0002_homepage_featured_article"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="District",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                        ("slug", models.SlugField(max_length=100, unique=True, verbose_name="slug")),
                        ("sort_order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                    ],
                    options={
                        "verbose_name": "district",
                        "verbose_name_plural": "districts",
                        "db_table": "home_district",
                        "ordering": ["sort_order", "name"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
