"""Helpers for the admin tests (no tests here): a trainer in the Wagtail admin,
and the POST data of a Wagtail form with its inline rows."""

from datetime import date, datetime

from django.db.models import Model


def _value(field):
    value = field.value()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def form_data(form) -> dict:
    """POST data that resubmits `form` (a Wagtail cluster form) as it is, with its
    inline formsets (management forms included)."""
    data: dict = {}

    def add(bound_form, prefix_form=None):
        for field in bound_form:
            value = _value(field)
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            if isinstance(value, list | tuple):
                value = ", ".join(str(v) for v in value)
            data[field.html_name] = value

    add(form)
    for formset in getattr(form, "formsets", {}).values():
        add(formset.management_form)
        for child in formset.forms:
            add(child)
    return data


def formset_rows(data: dict, prefix: str, rows: list[dict]) -> dict:
    """Replace the `prefix` inline formset in `data` with new `rows`."""
    for key in [k for k in data if k.startswith(f"{prefix}-")]:
        del data[key]
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": sum(1 for row in rows if row.get("id")),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    )
    for index, row in enumerate(rows):
        data[f"{prefix}-{index}-ORDER"] = index + 1
        for name, value in row.items():
            if value is True:
                value = "on"
            if value is False or value is None:
                continue
            data[f"{prefix}-{index}-{name}"] = value
    return data


# No tests here: the file is named for the test_admin_* files it serves.


def admin_trainer(make_role_user, username: str = "admin-trainer"):
    """A trainer as a fresh database after `migrate` has them: the role's group
    with the permissions `catalogue_ensure` grants (run by post_migrate and by
    the demo loader)."""
    from courses.catalogue import catalogue_ensure
    from courses.models.roles import Role

    catalogue_ensure()
    return make_role_user(Role.TRAINER, "F1", username=username)
