from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Support supervisors read assessments and lodge appeals like agents (core/roles.py)."""

    dependencies = [("compensation", "0002_roles"), ("claims", "0006_casework_roles")]
    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
