from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_default_templates"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
