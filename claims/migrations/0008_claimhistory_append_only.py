"""The claim history is an audit trail: PostgreSQL refuses to change or delete its rows, except blanking
their free text when personal data is destroyed (claims.events.claim_history_redact).

(TRUNCATE, used only by test teardown, is not a row operation and still works.) SQLite, the embedded demo
database, has no such guard."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION claims_claimhistory_append_only() RETURNS trigger AS $$
BEGIN
    -- The one sanctioned change: claims.events.claim_history_redact blanks free text (personal data) when a
    -- claim's data is destroyed, inside a transaction that set redress.history_redaction. Who, what, when stay.
    IF TG_OP = 'UPDATE' AND current_setting('redress.history_redaction', true) = 'on'
       AND NEW.id = OLD.id AND NEW.claim_id = OLD.claim_id AND NEW.event = OLD.event
       AND NEW.from_status = OLD.from_status AND NEW.to_status = OLD.to_status
       AND NEW.reason_code = OLD.reason_code AND NEW.created_at = OLD.created_at
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id THEN
        RETURN NEW;
    END IF;
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
