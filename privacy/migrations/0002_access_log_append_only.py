"""Make the access record append-only in PostgreSQL: no UPDATE and no DELETE inside the two-year retention,
whichever database role the application connects as. TRUNCATE is not covered by row triggers (and the test
runner's flush relies on it): production revokes it from the application role (`manage.py privacy_lock_tables`)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION privacy_access_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'privacy_personaldataaccess is append-only';
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.at > now() - interval '2 years' THEN
            RAISE EXCEPTION 'access records are kept two years';
        END IF;
        RETURN OLD;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER privacy_access_no_update BEFORE UPDATE OR DELETE ON privacy_personaldataaccess
    FOR EACH ROW EXECUTE FUNCTION privacy_access_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS privacy_access_no_update ON privacy_personaldataaccess;
DROP FUNCTION IF EXISTS privacy_access_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
