import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every assessment is recorded with a decision: say so in the schema.

    On SQLite this rebuilds claims_assessment, which drops its append-only triggers; the
    post_migrate hook (workbench.db.ensure_append_only) puts them back after every migrate.
    """

    dependencies = [
        ("claims", "0008_publishing"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="decision",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assessments",
                to="claims.decision",
            ),
        ),
    ]
