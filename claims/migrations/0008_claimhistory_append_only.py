"""The claim history is an audit trail: PostgreSQL refuses to change or delete its rows.

(TRUNCATE, used only by test teardown, is not a row operation and still works.) SQLite, the embedded demo
database, has no such guard."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION claims_claimhistory_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'claims_claimhistory is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER claims_claimhistory_append_only
    BEFORE UPDATE OR DELETE ON claims_claimhistory
    FOR EACH ROW EXECUTE FUNCTION claims_claimhistory_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS claims_claimhistory_append_only ON claims_claimhistory;
DROP FUNCTION IF EXISTS claims_claimhistory_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_claim_casework_db_defaults")]
    operations = [migrations.RunPython(forwards, backwards)]
