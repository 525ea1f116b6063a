"""Writing pages from imports: publish a new revision only when something changed."""

from courses.models import LessonPage


def _without_ids(value):
    """Stream data as plain values: block ids and list-item wrappers removed."""
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    if isinstance(value, dict):
        if set(value) <= {"type", "value", "id"} and value.get("type") == "item":
            return _without_ids(value["value"])
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    return value


def _stream_equal(stream_field_value, raw: list[dict]) -> bool:
    block = LessonPage._meta.get_field("body").stream_block
    wanted = block.get_prep_value(block.to_python(raw))
    return _without_ids(block.get_prep_value(stream_field_value)) == _without_ids(
        wanted
    )


def page_publish_if_changed(
    page, fields: dict, *, is_new: bool, topics=None, position_ids=None
) -> bool:
    """Set what differs and publish one new revision; nothing when all is equal."""
    changed = is_new
    for name, value in fields.items():
        if name == "body":
            if not _stream_equal(page.body, value):
                page.body = value
                changed = True
        elif getattr(page, name) != value:
            setattr(page, name, value)
            changed = True
    if topics is not None and sorted(t.name for t in page.topics.all()) != topics:
        page.topics.set(topics, clear=True)
        changed = True
    if (
        position_ids is not None
        and set(page.target_positions.values_list("pk", flat=True)) != position_ids
    ):
        page.target_positions.set(position_ids)
        changed = True
    if changed:
        page.save_revision().publish()
    return changed
