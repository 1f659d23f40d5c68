"""Editing message templates: every save is checked against the event catalogue first."""

from typing import Any

from django.db import transaction

from notifications.events import event_get
from notifications.models import NotificationTemplate
from notifications.rendering import render


@transaction.atomic
def template_save(*, template: NotificationTemplate, actor: Any) -> NotificationTemplate:
    """Create or update a template. Raises ValidationError for a syntax error or a variable the event lacks."""
    template.updated_by = actor if getattr(actor, "pk", None) else None
    template.full_clean()
    template.save()
    return template


def template_preview(*, template: NotificationTemplate) -> dict[str, str]:
    """Each channel's text rendered with the catalogue's sample values."""
    sample = event_get(template.event).sample
    return {
        name: render(source, sample, language=template.language) if source else ""
        for name, source in template.channel_sources().items()
    }
