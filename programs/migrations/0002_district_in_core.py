import modelcluster.fields
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_district"),
        ("programs", "0001_programs_trainings_partners"),
    ]

    operations = [
        # State only: the join table already points at home_district, which core.District keeps.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="trainingpage",
                    name="districts",
                    field=modelcluster.fields.ParentalManyToManyField(
                        blank=True,
                        help_text="None ticked: cadres from every district.",
                        related_name="trainings",
                        to="core.district",
                        verbose_name="districts",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
