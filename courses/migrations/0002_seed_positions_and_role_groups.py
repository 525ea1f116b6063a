"""The starting position catalogue and one group per role (see courses.catalogue)."""

from django.db import migrations


def seed(apps, schema_editor):
    # Model permissions are normally made after all migrations; the groups need them now.
    from django.contrib.auth.management import create_permissions

    from courses.catalogue import catalogue_seed

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    catalogue_seed(
        position_model=apps.get_model("courses", "Position"),
        group_model=apps.get_model("auth", "Group"),
        permission_model=apps.get_model("auth", "Permission"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
