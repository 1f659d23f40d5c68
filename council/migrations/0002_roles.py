from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [("council", "0001_initial"), ("claims", "0003_roles")]
    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
