from django.db import migrations, models


class Migration(migrations.Migration):
    """Hash every exported field: the payload version, and the actor's name kept on the event.

    Events already written hashed eight fields: they get version 1 and still verify as such.
    A constant default and no CHECK constraint: on PostgreSQL adding the columns neither
    rewrites nor scans the audit table.
    """

    dependencies = [("workbench", "0003_refuse_truncate")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="v",
            field=models.SmallIntegerField(
                default=1,
                help_text="Which fields the hash covers: 1 for events written before version 2, "
                "which added the id, this version and the actor's name.",
                verbose_name="payload version",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="v",
            field=models.SmallIntegerField(
                default=2,
                help_text="Which fields the hash covers: 1 for events written before version 2, "
                "which added the id, this version and the actor's name.",
                verbose_name="payload version",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="actor_name",
            field=models.CharField(
                blank=True,
                help_text="The actor's username when the event was written (hashed from version "
                "2; empty for the system and for version 1 events).",
                max_length=150,
            ),
        ),
    ]
