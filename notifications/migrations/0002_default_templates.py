"""Default wording for every event, in Korean and English. Ordinary data: admins edit it in the admin (each
save is checked against the event catalogue). Existing rows are left alone, so a re-run never overwrites an
admin's edit."""

from django.db import migrations

SIGN_KO = "\n\n카카오 서비스 장애 피해지원센터\n※ 이 메시지는 발신 전용입니다. 문의하실 때는 접수번호를 함께 알려 주세요."
SIGN_EN = (
    "\n\nKakao Service Outage Support Centre\n"
    "This is an automated message. Please quote your reference number when you contact us."
)
STATUS_KO = "진행 상황은 {{ status_url }} 에서 접수번호와 휴대전화 번호 뒤 4자리로 언제든 확인하실 수 있습니다."
STATUS_EN = "You can check progress at any time at {{ status_url }} with your reference number and the last four digits of your phone number."

# event: (email_subject, email_body, alimtalk_template_code, alimtalk_body, sms_body)
KO = {
    "claim_received": (
        "[피해지원센터] 피해 신고가 접수되었습니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n"
        "{{ service }} 이용 중 입으신 피해 신고가 정상적으로 접수되었습니다.\n\n"
        "■ 접수번호: {{ reference }}\n■ 서비스: {{ service }}\n\n"
        + STATUS_KO
        + "\n담당자가 신고 내용을 검토한 뒤 결과를 이 연락처로 알려 드립니다. "
        "확인할 자료가 더 필요하면 따로 요청드리겠습니다." + SIGN_KO,
        "RDS_CLAIM_RECEIVED",
        "[피해 신고 접수 완료]\n{{ name }} 님, {{ service }} 피해 신고가 접수되었습니다.\n\n"
        "▶ 접수번호: {{ reference }}\n▶ 진행 조회: {{ status_url }}\n(접수번호와 휴대전화 번호 뒤 4자리로 조회)\n\n"
        "검토 결과는 이 채널로 알려 드립니다.",
        "[피해지원센터] {{ name }}님 피해 신고 접수 완료. 접수번호 {{ reference }}. 진행 조회: {{ status_url }}",
    ),
    "info_requested": (
        "[피해지원센터] 보완 자료를 {{ due_date|when }}까지 보내 주세요 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n"
        "접수번호 {{ reference }} 신고를 검토하는 데 아래 자료가 더 필요합니다.\n\n"
        "■ 요청 내용\n{{ request_text }}\n\n■ 제출 기한: {{ due_date|when }}\n\n"
        "{{ status_url }} 에서 접수번호와 휴대전화 번호 뒤 4자리로 신고를 조회한 뒤 자료를 제출해 주세요.\n"
        "기한까지 자료가 도착하지 않으면 지금 있는 자료만으로 검토하거나 신고가 종결될 수 있습니다." + SIGN_KO,
        "RDS_INFO_REQUESTED",
        "[보완 자료 요청]\n{{ name }} 님, 접수번호 {{ reference }} 신고 검토에 자료가 더 필요합니다.\n\n"
        "▶ 요청 내용: {{ request_text }}\n▶ 제출 기한: {{ due_date|when }}\n▶ 제출: {{ status_url }}\n\n"
        "기한이 지나면 신고가 종결될 수 있습니다.",
        "[피해지원센터] {{ reference }} 보완 자료 요청: {{ request_text }} 기한 {{ due_date|when }}. 제출: {{ status_url }}",
    ),
    "info_request_reminder": (
        "[피해지원센터] 보완 자료 제출 기한이 다가옵니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n"
        "접수번호 {{ reference }} 신고에 요청드린 보완 자료가 아직 도착하지 않았습니다.\n\n"
        "■ 제출 기한: {{ due_date|when }}\n\n"
        "{{ status_url }} 에서 신고를 조회한 뒤 자료를 제출해 주세요. 이미 보내셨다면 이 안내는 무시하셔도 됩니다."
        + SIGN_KO,
        "RDS_INFO_REMINDER",
        "[보완 자료 재안내]\n{{ name }} 님, 접수번호 {{ reference }} 신고의 보완 자료 제출 기한은 "
        "{{ due_date|when }}입니다.\n\n▶ 제출: {{ status_url }}\n\n이미 보내셨다면 이 안내는 무시하셔도 됩니다.",
        "[피해지원센터] {{ reference }} 보완 자료 기한 {{ due_date|when }}. 제출: {{ status_url }}",
    ),
    "claim_closed": (
        "[피해지원센터] 피해 신고 처리가 종결되었습니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n접수번호 {{ reference }} 신고의 처리가 종결되었습니다.\n\n"
        "■ 종결 사유\n{{ reason }}\n\n"
        "결과에 이의가 있거나 새로 알려 주실 내용이 있으면 접수번호를 적어 피해지원센터로 문의해 주세요." + SIGN_KO,
        "RDS_CLAIM_CLOSED",
        "[신고 종결 안내]\n{{ name }} 님, 접수번호 {{ reference }} 신고의 처리가 종결되었습니다.\n\n"
        "▶ 사유: {{ reason }}\n\n이의가 있으면 접수번호와 함께 문의해 주세요.",
        "[피해지원센터] {{ reference }} 신고 종결. 사유: {{ reason }}",
    ),
    "claim_transferred": (
        "[피해지원센터] 신고를 {{ affiliate_name }}(으)로 이관했습니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n"
        "접수번호 {{ reference }}로 접수하신 {{ service }} 관련 신고는 {{ affiliate_name }}에서 직접 운영하는 "
        "서비스에 관한 것이어서, 검토와 보상을 맡은 {{ affiliate_name }}(으)로 이관했습니다.\n"
        "앞으로의 진행과 결과는 {{ affiliate_name }}에서 안내합니다.\n\n"
        "■ 문의처: {{ affiliate_name }} {{ affiliate_contact }}\n\n"
        "문의하실 때 접수번호 {{ reference }}를 알려 주시면 빠르게 확인할 수 있습니다." + SIGN_KO,
        "RDS_CLAIM_TRANSFERRED",
        "[신고 이관 안내]\n{{ name }} 님, {{ service }} 관련 신고(접수번호 {{ reference }})를 운영사인 "
        "{{ affiliate_name }}(으)로 이관했습니다.\n\n▶ 문의처: {{ affiliate_name }} {{ affiliate_contact }}\n\n"
        "문의하실 때 접수번호를 알려 주세요.",
        "[피해지원센터] {{ reference }} 신고를 {{ affiliate_name }}(으)로 이관. 문의 {{ affiliate_contact }}",
    ),
    "non_monetary_answered": (
        "[피해지원센터] 보내 주신 의견에 답변드립니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n보내 주신 문의·의견(접수번호 {{ reference }})에 답변드립니다.\n\n"
        "{{ answer_text }}\n\n소중한 의견 감사합니다. 더 궁금하신 점이 있으면 접수번호와 함께 다시 문의해 주세요."
        + SIGN_KO,
        "RDS_NON_MONETARY_ANSWERED",
        "[답변 안내]\n{{ name }} 님, 보내 주신 의견(접수번호 {{ reference }})에 답변드립니다.\n\n{{ answer_text }}",
        "[피해지원센터] {{ reference }} 답변: {{ answer_text }}",
    ),
    "claim_message": (
        "[피해지원센터] 신고 관련 안내 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n접수번호 {{ reference }} 신고와 관련해 안내드립니다.\n\n{{ message }}" + SIGN_KO,
        "RDS_CLAIM_MESSAGE",
        "[신고 관련 안내]\n{{ name }} 님, 접수번호 {{ reference }} 신고 관련 안내입니다.\n\n{{ message }}",
        "[피해지원센터] {{ reference }} 안내: {{ message }}",
    ),
    "claim_decision": (
        "[피해지원센터] 보상 결정을 알려 드립니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n접수번호 {{ reference }} 신고에 대한 보상 결정을 알려 드립니다.\n\n"
        "■ 결정 내용\n{{ decision_text }}\n\n■ 보상 금액: {{ amount|won }}\n\n"
        "보상금을 지급하면 다시 알려 드립니다. 결정에 동의하지 않으시면 접수번호를 적어 이의를 신청하실 수 있습니다."
        + SIGN_KO,
        "RDS_CLAIM_DECISION",
        "[보상 결정 안내]\n{{ name }} 님, 접수번호 {{ reference }} 신고의 보상 결정입니다.\n\n"
        "▶ 결정: {{ decision_text }}\n▶ 보상 금액: {{ amount|won }}\n\n"
        "결정에 동의하지 않으시면 이의를 신청하실 수 있습니다.",
        "[피해지원센터] {{ reference }} 보상 결정: {{ amount|won }}. {{ decision_text }}",
    ),
    "appeal_outcome": (
        "[피해지원센터] 이의신청 결과를 알려 드립니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n접수번호 {{ reference }} 신고에 대해 제기하신 이의신청을 검토했습니다.\n\n"
        "■ 검토 결과\n{{ outcome_text }}\n\n궁금하신 점은 접수번호와 함께 피해지원센터로 문의해 주세요." + SIGN_KO,
        "RDS_APPEAL_OUTCOME",
        "[이의신청 결과]\n{{ name }} 님, 접수번호 {{ reference }} 이의신청 검토 결과입니다.\n\n{{ outcome_text }}",
        "[피해지원센터] {{ reference }} 이의신청 결과: {{ outcome_text }}",
    ),
    "payment_sent": (
        "[피해지원센터] 보상금 {{ amount|won }}을 지급했습니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n접수번호 {{ reference }} 신고의 보상금 {{ amount|won }}을 지급했습니다.\n\n"
        "은행 사정에 따라 입금 확인까지 시간이 조금 걸릴 수 있습니다. "
        "며칠이 지나도 입금되지 않으면 접수번호와 함께 문의해 주세요." + SIGN_KO,
        "RDS_PAYMENT_SENT",
        "[보상금 지급 완료]\n{{ name }} 님, 접수번호 {{ reference }} 신고의 보상금 {{ amount|won }}을 "
        "지급했습니다.\n\n입금이 확인되지 않으면 접수번호와 함께 문의해 주세요.",
        "[피해지원센터] {{ reference }} 보상금 {{ amount|won }} 지급 완료",
    ),
    "payment_failed": (
        "[피해지원센터] 보상금을 지급하지 못했습니다. 확인이 필요합니다 ({{ reference }})",
        "{{ name }} 님, 안녕하세요.\n\n접수번호 {{ reference }} 신고의 보상금 {{ amount|won }}을 지급하지 못했습니다.\n\n"
        "■ 사유: {{ reason }}\n\n아래 주소에서 지급 정보를 확인하고 바로잡아 주시면 다시 지급해 드립니다.\n"
        "{{ action_url }}\n\n보상 결정은 그대로 유효합니다." + SIGN_KO,
        "RDS_PAYMENT_FAILED",
        "[보상금 지급 실패]\n{{ name }} 님, 접수번호 {{ reference }} 신고의 보상금 {{ amount|won }}을 "
        "지급하지 못했습니다.\n\n▶ 사유: {{ reason }}\n▶ 정보 수정: {{ action_url }}\n\n"
        "정보를 고쳐 주시면 다시 지급해 드립니다.",
        "[피해지원센터] {{ reference }} 보상금 지급 실패({{ reason }}). 정보 수정: {{ action_url }}",
    ),
    "agent_claim_updated": (
        "[Redress] 담당 신고 {{ reference }}에 새 소식이 있습니다",
        "담당하신 신고 {{ reference }}에 새 소식이 있습니다.\n\n{{ message }}\n\n백오피스에서 신고를 열어 확인해 주세요.",
        "",
        "",
        "",
    ),
    "sla_escalation": (
        "[Redress] 처리 기한을 넘긴 신고 {{ count }}건",
        "처리 기한(SLA)을 넘긴 신고가 {{ count }}건 있습니다. 담당자 배정과 처리 상황을 확인해 주세요.\n\n{{ queue_url }}",
        "",
        "",
        "",
    ),
    "meeting_notice": (
        "[{{ council }}] 회의 통지: {{ meeting_title }}",
        "{{ council }} 위원님께\n\n아래 회의 일정을 알려 드립니다.\n\n"
        "■ 회의: {{ meeting_title }} (제{{ meeting_number }}차)\n■ 일시: {{ starts_at|when }}\n■ 장소: {{ place }}\n\n"
        "■ 안건\n{{ agenda }}\n\n"
        "일정 파일(.ics)을 첨부했으니 달력에 추가해 주세요. 참석이 어려우시면 간사에게 미리 알려 주시기 바랍니다.",
        "",
        "",
        "",
    ),
    "meeting_reminder": (
        "[{{ council }}] 내일 회의 안내: {{ meeting_title }}",
        "{{ council }} 위원님께\n\n다가오는 회의를 다시 알려 드립니다.\n\n"
        "■ 회의: {{ meeting_title }} (제{{ meeting_number }}차)\n■ 일시: {{ starts_at|when }}\n■ 장소: {{ place }}\n\n"
        "참석이 어려우시면 간사에게 미리 알려 주시기 바랍니다.",
        "",
        "",
        "",
    ),
    "minutes_circulated": (
        "[{{ council }}] {{ meeting_title }} 회의록 초안 검토 요청",
        "{{ council }} 위원님께\n\n{{ meeting_title }} 회의록 초안을 회람합니다. "
        "아래 주소에서 내용을 확인하고 의견을 남겨 주세요.\n\n{{ workspace_url }}",
        "",
        "",
        "",
    ),
    "minutes_published": (
        "[{{ council }}] {{ meeting_title }} 회의록이 공개되었습니다",
        "{{ council }} 위원님께\n\n{{ meeting_title }} 회의록이 확정되어 공개되었습니다.\n\n{{ url }}",
        "",
        "",
        "",
    ),
    "action_item_due": (
        "[{{ council }}] 후속 조치 기한 안내: {{ title }}",
        "{{ council }} 후속 조치 기한을 알려 드립니다.\n\n"
        "■ 조치: {{ title }}\n■ 담당: {{ owner }}\n■ 기한: {{ due_date|when }}\n\n"
        "진행 상황을 위원 업무 공간에 기록해 주세요.",
        "",
        "",
        "",
    ),
}

EN = {
    "claim_received": (
        "[Support Centre] Your claim has been received ({{ reference }})",
        "Dear {{ name }},\n\nYour claim about {{ service }} has been received.\n\n"
        "Reference number: {{ reference }}\nService: {{ service }}\n\n"
        + STATUS_EN
        + "\nA case worker will review your claim and let you know the outcome through this channel. "
        "If we need more information we will ask you." + SIGN_EN,
        "RDS_CLAIM_RECEIVED_EN",
        "[Claim received]\nDear {{ name }}, your claim about {{ service }} has been received.\n\n"
        "Reference: {{ reference }}\nCheck status: {{ status_url }}",
        "[Support Centre] Claim received. Ref {{ reference }}. Status: {{ status_url }}",
    ),
    "info_requested": (
        "[Support Centre] Please send more information by {{ due_date|when }} ({{ reference }})",
        "Dear {{ name }},\n\nTo review claim {{ reference }} we need the following:\n\n{{ request_text }}\n\n"
        "Deadline: {{ due_date|when }}\n\nPlease look up your claim at {{ status_url }} and upload the documents there. "
        "If nothing arrives by the deadline, we may decide on the information we have or close the claim." + SIGN_EN,
        "RDS_INFO_REQUESTED_EN",
        "[Information requested]\nDear {{ name }}, for claim {{ reference }} we need: {{ request_text }}\n"
        "Deadline: {{ due_date|when }}\nSubmit: {{ status_url }}",
        "[Support Centre] {{ reference }}: please send {{ request_text }} by {{ due_date|when }}. {{ status_url }}",
    ),
    "info_request_reminder": (
        "[Support Centre] Reminder: information due {{ due_date|when }} ({{ reference }})",
        "Dear {{ name }},\n\nWe have not yet received the information we asked for on claim {{ reference }}.\n\n"
        "Deadline: {{ due_date|when }}\n\nPlease submit it at {{ status_url }}. "
        "If you have already sent it, please ignore this message." + SIGN_EN,
        "RDS_INFO_REMINDER_EN",
        "[Reminder]\nDear {{ name }}, information for claim {{ reference }} is due {{ due_date|when }}.\n"
        "Submit: {{ status_url }}",
        "[Support Centre] {{ reference }}: information due {{ due_date|when }}. {{ status_url }}",
    ),
    "claim_closed": (
        "[Support Centre] Your claim has been closed ({{ reference }})",
        "Dear {{ name }},\n\nClaim {{ reference }} has been closed.\n\nReason:\n{{ reason }}\n\n"
        "If you disagree or have new information, please contact us quoting your reference number." + SIGN_EN,
        "RDS_CLAIM_CLOSED_EN",
        "[Claim closed]\nDear {{ name }}, claim {{ reference }} has been closed.\nReason: {{ reason }}",
        "[Support Centre] {{ reference }} closed: {{ reason }}",
    ),
    "claim_transferred": (
        "[Support Centre] Your claim has been transferred to {{ affiliate_name }} ({{ reference }})",
        "Dear {{ name }},\n\n{{ service }} is run by {{ affiliate_name }}, so we have transferred claim {{ reference }} "
        "to them. {{ affiliate_name }} will review it and tell you the outcome.\n\n"
        "Contact: {{ affiliate_name }} {{ affiliate_contact }}\n\nPlease quote reference {{ reference }}." + SIGN_EN,
        "RDS_CLAIM_TRANSFERRED_EN",
        "[Claim transferred]\nDear {{ name }}, claim {{ reference }} about {{ service }} now lies with "
        "{{ affiliate_name }}.\nContact: {{ affiliate_contact }}",
        "[Support Centre] {{ reference }} transferred to {{ affiliate_name }}: {{ affiliate_contact }}",
    ),
    "non_monetary_answered": (
        "[Support Centre] Our reply to your message ({{ reference }})",
        "Dear {{ name }},\n\nThank you for your message ({{ reference }}). Our reply:\n\n{{ answer_text }}" + SIGN_EN,
        "RDS_NON_MONETARY_ANSWERED_EN",
        "[Our reply]\nDear {{ name }}, about {{ reference }}:\n\n{{ answer_text }}",
        "[Support Centre] {{ reference }}: {{ answer_text }}",
    ),
    "claim_message": (
        "[Support Centre] About your claim ({{ reference }})",
        "Dear {{ name }},\n\nA message about claim {{ reference }}:\n\n{{ message }}" + SIGN_EN,
        "RDS_CLAIM_MESSAGE_EN",
        "[About your claim]\nDear {{ name }}, about claim {{ reference }}:\n\n{{ message }}",
        "[Support Centre] {{ reference }}: {{ message }}",
    ),
    "claim_decision": (
        "[Support Centre] Decision on your claim ({{ reference }})",
        "Dear {{ name }},\n\nWe have decided on claim {{ reference }}.\n\nDecision:\n{{ decision_text }}\n\n"
        "Compensation: {{ amount|won }}\n\nWe will tell you when the payment is made. "
        "If you disagree, you may appeal quoting your reference number." + SIGN_EN,
        "RDS_CLAIM_DECISION_EN",
        "[Decision]\nDear {{ name }}, claim {{ reference }}: {{ decision_text }}\nCompensation: {{ amount|won }}",
        "[Support Centre] {{ reference }} decision: {{ amount|won }}. {{ decision_text }}",
    ),
    "appeal_outcome": (
        "[Support Centre] Outcome of your appeal ({{ reference }})",
        "Dear {{ name }},\n\nWe have reviewed your appeal on claim {{ reference }}.\n\n{{ outcome_text }}" + SIGN_EN,
        "RDS_APPEAL_OUTCOME_EN",
        "[Appeal outcome]\nDear {{ name }}, claim {{ reference }}:\n\n{{ outcome_text }}",
        "[Support Centre] {{ reference }} appeal: {{ outcome_text }}",
    ),
    "payment_sent": (
        "[Support Centre] {{ amount|won }} paid ({{ reference }})",
        "Dear {{ name }},\n\nWe have paid {{ amount|won }} for claim {{ reference }}. "
        "It may take a little while to appear in your account. "
        "If it has not arrived after a few days, please contact us." + SIGN_EN,
        "RDS_PAYMENT_SENT_EN",
        "[Payment sent]\nDear {{ name }}, {{ amount|won }} has been paid for claim {{ reference }}.",
        "[Support Centre] {{ reference }}: {{ amount|won }} paid",
    ),
    "payment_failed": (
        "[Support Centre] We could not pay your compensation ({{ reference }})",
        "Dear {{ name }},\n\nWe could not pay {{ amount|won }} for claim {{ reference }}.\n\nReason: {{ reason }}\n\n"
        "Please check and correct your payment details here and we will pay again:\n{{ action_url }}\n\n"
        "The decision itself still stands." + SIGN_EN,
        "RDS_PAYMENT_FAILED_EN",
        "[Payment failed]\nDear {{ name }}, we could not pay {{ amount|won }} for claim {{ reference }}.\n"
        "Reason: {{ reason }}\nFix: {{ action_url }}",
        "[Support Centre] {{ reference }} payment failed ({{ reason }}). {{ action_url }}",
    ),
    "agent_claim_updated": (
        "[Redress] Update on claim {{ reference }}",
        "There is news on claim {{ reference }}, which you handle:\n\n{{ message }}",
        "",
        "",
        "",
    ),
    "sla_escalation": (
        "[Redress] {{ count }} claims past their deadline",
        "{{ count }} claims are past their handling deadline. Please check assignments:\n\n{{ queue_url }}",
        "",
        "",
        "",
    ),
    "meeting_notice": (
        "[{{ council }}] Meeting notice: {{ meeting_title }}",
        "To the members of {{ council }}\n\nMeeting: {{ meeting_title }} (no. {{ meeting_number }})\n"
        "When: {{ starts_at|when }}\nWhere: {{ place }}\n\nAgenda:\n{{ agenda }}\n\n"
        "The attached .ics file adds the meeting to your calendar.",
        "",
        "",
        "",
    ),
    "meeting_reminder": (
        "[{{ council }}] Reminder: {{ meeting_title }}",
        "To the members of {{ council }}\n\nMeeting: {{ meeting_title }} (no. {{ meeting_number }})\n"
        "When: {{ starts_at|when }}\nWhere: {{ place }}",
        "",
        "",
        "",
    ),
    "minutes_circulated": (
        "[{{ council }}] Draft minutes for review: {{ meeting_title }}",
        "The draft minutes of {{ meeting_title }} are ready for your comments:\n\n{{ workspace_url }}",
        "",
        "",
        "",
    ),
    "minutes_published": (
        "[{{ council }}] Minutes published: {{ meeting_title }}",
        "The minutes of {{ meeting_title }} have been published:\n\n{{ url }}",
        "",
        "",
        "",
    ),
    "action_item_due": (
        "[{{ council }}] Action item due: {{ title }}",
        "Action item: {{ title }}\nOwner: {{ owner }}\nDue: {{ due_date|when }}",
        "",
        "",
        "",
    ),
}


def load(apps, schema_editor):
    NotificationTemplate = apps.get_model("notifications", "NotificationTemplate")
    for language, table in (("ko", KO), ("en", EN)):
        for event, (subject, body, code, alimtalk, sms) in table.items():
            NotificationTemplate.objects.get_or_create(
                event=event,
                language=language,
                defaults={
                    "email_subject": subject,
                    "email_body": body,
                    "alimtalk_template_code": code,
                    "alimtalk_body": alimtalk,
                    "sms_body": sms,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
