import pytest
from django.core.exceptions import ValidationError

from notifications import services
from notifications.events import EVENTS
from notifications.models import NotificationTemplate
from notifications.rendering import template_variables

pytestmark = pytest.mark.django_db


def _template(**overrides) -> NotificationTemplate:
    fields = {
        "event": "claim_received",
        "language": "en",
        "email_subject": "Received {{ reference }}",
        "email_body": "Dear {{ name }}, see {{ status_url }}",
        "alimtalk_template_code": "X",
        "alimtalk_body": "{{ name }} {{ reference }}",
        "sms_body": "{{ reference }}",
    }
    fields.update(overrides)
    NotificationTemplate.objects.filter(event=fields["event"], language=fields["language"]).delete()
    return NotificationTemplate(**fields)


def test_every_event_has_valid_korean_and_english_templates():
    for event in EVENTS:
        for language in ("ko", "en"):
            template = NotificationTemplate.objects.get(event=event, language=language)
            template.full_clean()  # variables and syntax checked against the catalogue
            preview = services.template_preview(template=template)
            assert preview["email_subject"] and preview["email_body"], (event, language)
            assert "{{" not in preview["email_body"]


def test_claimant_templates_have_every_channel_and_tell_how_to_follow_up():
    for name, spec in EVENTS.items():
        if not spec.to_claimant:
            continue
        template = NotificationTemplate.objects.get(event=name, language="ko")
        assert template.alimtalk_body and template.sms_body and template.alimtalk_template_code, name
        assert "{{ reference }}" in template.email_body, name
    received = NotificationTemplate.objects.get(event="claim_received", language="ko")
    preview = services.template_preview(template=received)
    assert "/claims/status/" in preview["email_body"]
    assert "PGY-2022-0104231" in preview["email_subject"]


def test_a_template_with_an_unknown_variable_cannot_be_saved(admin_user):
    template = _template(email_body="Dear {{ name }}, your refund is {{ amuont }}")
    with pytest.raises(ValidationError) as caught:
        services.template_save(template=template, actor=admin_user)
    assert "amuont" in str(caught.value.message_dict["email_body"])
    assert not NotificationTemplate.objects.filter(event="claim_received", language="en").exists()


def test_unknown_variables_are_found_in_tags_and_filter_arguments(admin_user):
    for body in (
        "{% if refund %}x{% endif %}",
        "{{ name|default:nickname }}",
        "{% for x in items %}{{ x }}{% endfor %}",
    ):
        with pytest.raises(ValidationError):
            services.template_save(template=_template(sms_body=body), actor=admin_user)
    # Loop variables and the catalogue's own names are fine.
    assert template_variables("{% for line in name %}{{ line }}{{ forloop.counter }}{% endfor %}") == {"name"}


def test_a_template_with_a_syntax_error_cannot_be_saved(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.template_save(template=_template(email_subject="{% if reference %}open"), actor=admin_user)
    assert "email_subject" in caught.value.message_dict


def test_a_valid_template_saves_and_records_who(admin_user):
    saved = services.template_save(template=_template(), actor=admin_user)
    saved.refresh_from_db()
    assert saved.updated_by == admin_user
    assert services.template_preview(template=saved)["email_subject"] == "Received PGY-2022-0104231"


def test_admin_form_refuses_an_unknown_variable(admin_client):
    template = NotificationTemplate.objects.get(event="payment_sent", language="ko")
    url = f"/admin/notifications/notificationtemplate/{template.pk}/change/"
    response = admin_client.post(
        url,
        {
            "event": "payment_sent",
            "language": "ko",
            "email_subject": "{{ reference }} 지급",
            "email_body": "{{ name }} 님, {{ amount|won }} 지급 ({{ bank_account }})",
            "alimtalk_template_code": template.alimtalk_template_code,
            "alimtalk_body": template.alimtalk_body,
            "sms_body": template.sms_body,
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "bank_account" in response.content.decode()
    template.refresh_from_db()
    assert "bank_account" not in template.email_body
    page = admin_client.get(url).content.decode()
    assert "미리보기" in page and "12,300원" in page
