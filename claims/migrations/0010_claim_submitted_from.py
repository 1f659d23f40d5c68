from django.db import migrations, models


class Migration(migrations.Migration):
    """Where a claim was filed from, as a keyed hash of the client address (issues 7 and 8)."""

    dependencies = [
        ("claims", "0009_claimant_anonymised"),
    ]

    operations = [
        # A constant database default: PostgreSQL adds the column without rewriting the table, and the
        # importer's COPY (which does not name the column) leaves it empty.
        migrations.AddField(
            model_name="claim",
            name="submitted_from",
            field=models.CharField(
                blank=True, db_default="", default="", editable=False, max_length=64, verbose_name="접수 주소 해시"
            ),
        ),
        # Partial: imports and older rows have no address and stay out of it.
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(("submitted_from", ""), _negated=True),
                fields=["submitted_from", "received_at"],
                name="claim_submitted_from_idx",
            ),
        ),
    ]
