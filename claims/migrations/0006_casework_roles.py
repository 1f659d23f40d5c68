from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_casework_reference_data")]
    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
