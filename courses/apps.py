from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("培训")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from courses import signals
        from courses.catalogue import catalogue_post_migrate

        signals.connect()
        # Role groups get the permissions of every app's models, which exist
        # only once all migrations have run (the quiz engine's come after ours).
        post_migrate.connect(
            catalogue_post_migrate, sender=self, dispatch_uid="courses.catalogue"
        )
