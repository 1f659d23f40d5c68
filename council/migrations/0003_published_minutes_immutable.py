"""A published minutes version is the record: PostgreSQL refuses any UPDATE or DELETE of it and of its
per-item rows, whoever tries (a service bug, the admin, a shell). SQLite (the embedded demo) relies on
the services alone."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION council_refuse_published_minutes_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'council_minutesversion' THEN
        IF OLD.state = 'published' THEN
            RAISE EXCEPTION 'published minutes version % is immutable', OLD.id USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        IF EXISTS (
            SELECT 1 FROM council_minutesversion v
            WHERE v.state = 'published'
              AND v.id IN (
                  CASE WHEN TG_OP <> 'INSERT' THEN OLD.version_id END,
                  CASE WHEN TG_OP <> 'DELETE' THEN NEW.version_id END
              )
        ) THEN
            RAISE EXCEPTION 'items of a published minutes version are immutable' USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER council_minutesversion_published_immutable
    BEFORE UPDATE OR DELETE ON council_minutesversion
    FOR EACH ROW EXECUTE FUNCTION council_refuse_published_minutes_change();

CREATE TRIGGER council_minutesitem_published_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON council_minutesitem
    FOR EACH ROW EXECUTE FUNCTION council_refuse_published_minutes_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS council_minutesitem_published_immutable ON council_minutesitem;
DROP TRIGGER IF EXISTS council_minutesversion_published_immutable ON council_minutesversion;
DROP FUNCTION IF EXISTS council_refuse_published_minutes_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("council", "0002_roles")]
    operations = [migrations.RunPython(forward, backward)]
