"""A claim's incident and service: one composite foreign key on PostgreSQL instead of two.

(incident_id, service_id) → claims_service (incident_id, id) also refuses a claim whose service belongs to another
incident, and a bulk import pays one foreign-key check per row for the pair instead of two. Added NOT VALID and
then validated, so existing claims are checked without blocking writes. SQLite (the embedded `make run` setup)
keeps no database constraint for the pair; the ORM's PROTECT still applies there."""

import django.db.models.deletion
from django.db import migrations, models

CONSTRAINT = "claim_service_of_incident_fk"


def add_composite_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE claims_claim ADD CONSTRAINT {CONSTRAINT} FOREIGN KEY (incident_id, service_id)"
        " REFERENCES claims_service (incident_id, id) DEFERRABLE INITIALLY DEFERRED NOT VALID"
    )
    schema_editor.execute(f"ALTER TABLE claims_claim VALIDATE CONSTRAINT {CONSTRAINT}")


def drop_composite_foreign_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE claims_claim DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_claim_import_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="claim",
            name="claim_incident_service_idx",
        ),
        migrations.AlterField(
            model_name="claim",
            name="incident",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="claims",
                to="claims.incident",
                verbose_name="장애",
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="service",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="claims",
                to="claims.service",
                verbose_name="서비스",
            ),
        ),
        migrations.AddConstraint(
            model_name="service",
            constraint=models.UniqueConstraint(fields=("incident", "id"), name="service_unique_incident_id"),
        ),
        migrations.RunPython(add_composite_foreign_key, drop_composite_foreign_key),
    ]
