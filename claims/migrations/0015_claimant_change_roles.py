from django.db import migrations

from core.roles import sync_role_permissions


class Migration(migrations.Migration):
    """Agents and supervisors correct a claimant's contact details (claims.change_claimant, core/roles.py)."""

    dependencies = [
        ("claims", "0014_claimhistory_contact_corrected"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # The last sync sets every group to the whole matrix: all models named there must exist by then.
        ("notifications", "0003_roles"),
        ("compensation", "0003_supervisor_roles"),
        ("payouts", "0003_roles"),
        ("council", "0002_roles"),
    ]
    operations = [migrations.RunPython(sync_role_permissions, migrations.RunPython.noop)]
