"""PostgreSQL refuses UPDATE and DELETE on ledger entries: the ledger is append-only for everyone,
including a stray `queryset.update()`. (SQLite, the embedded demo, relies on the service guard alone.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION payouts_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payouts_ledgerentry_immutable
    BEFORE UPDATE OR DELETE ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_ledger_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS payouts_ledgerentry_immutable ON payouts_ledgerentry;
DROP FUNCTION IF EXISTS payouts_ledger_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("payouts", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
