import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_district"),
        ("members", "0006_import_jobs"),
    ]

    operations = [
        # State only: the column already refers to home_district, which core.District keeps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="member",
                    name="district",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="members",
                        to="core.district",
                        verbose_name="district",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
