from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_homepage_featured_article"),
        ("members", "0007_district_in_core"),
        ("programs", "0002_district_in_core"),
    ]

    operations = [
        # State only: core.District (core/migrations/0001) keeps the table home_district.
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="District")], database_operations=[]),
    ]
