"""Settings shared by every environment. Values come from the environment; defaults are the
embedded setup of `make run` (SQLite under var/, a broker-free Celery transport)."""

from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("REDRESS_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-redress-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "captcha",
    "core",
    "accounts",
    "privacy",
    "claims",
    "notifications",
    "council",
    "compensation",
    "payouts",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username from one address out after repeated failures.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"

# Staff sessions: 30 minutes idle, 12 hours at most, whatever the activity.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# TOTP second factor for the roles that move money, and superusers. Off in the embedded demo.
OTP_ENFORCED = env_bool("OTP_ENFORCED", False)
OTP_REQUIRED_FOR_GROUPS = ["finance", "finance_manager"]
OTP_TOTP_ISSUER = "Redress"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'redress.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: wait on locks instead of failing.
    # IMMEDIATE: a transaction takes the write lock when it begins, so a writer waits up to `timeout` instead of
    # failing at once with "database is locked" when it upgrades from a read (beat and the worker write together).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    # Shared by every process on the machine, so throttles hold across server processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded evidence lives outside any served directory; only the download view reads it.
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

LOGIN_URL = "admin:login"

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.StrictDjangoModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "claim_submit": env_str("CLAIM_SUBMIT_RATE", "30/hour"),
        "claim_status": env_str("CLAIM_STATUS_RATE", "60/hour"),
        "bank_account": env_str("BANK_ACCOUNT_PAGE_RATE", "20/hour"),
    },
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Redress API",
    "DESCRIPTION": "대규모 서비스 장애 피해 접수·보상 백오피스 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One component name per choice set used by several serializers (otherwise drf-spectacular guesses names
    # like StatusCc5Enum and warns, which fails `check --deploy --fail-level WARNING`).
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.Claim.Status",
        "ClaimRejectReasonEnum": "claims.models.Claim.RejectReason",
        "ClaimantKindEnum": "claims.models.Claimant.Kind",
        "ClaimNoteKindEnum": "claims.models.ClaimNote.Kind",
        "AffiliateOutcomeEnum": "claims.models.AffiliateOutcome.Outcome",
        "AssessmentRejectReasonEnum": "compensation.models.Assessment.RejectReason",
        "AppealOutcomeEnum": "compensation.models.Appeal.Outcome",
        "PolicyVersionStatusEnum": "compensation.models.PolicyVersion.Status",
        "MeetingStateEnum": "council.models.Meeting.State",
        "PayoutBatchChannelEnum": "payouts.models.PayoutBatch.Channel",
    },
    # The error answers (400/403/404/409/429) come from one exception handler: core/openapi.py documents them.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.openapi.add_error_responses"],
}

# Celery. The embedded default is the filesystem transport: a separate worker process, no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Exchange tables (the worker's control/broadcast fanout); kombu's default is ./control in the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    # An unacknowledged task (its worker died) is delivered again after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs, declared here in one place; django-celery-beat copies them into its tables at start-up.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Re-enqueues notifications left pending (broker down at commit) and takes back expired leases.
    "notifications-sweep": {"task": "notifications.tasks.notification_sweep_task", "schedule": 60.0},
    "council-meeting-reminders": {"task": "council.tasks.meeting_reminders_due_task", "schedule": 3600.0},
    "council-action-item-reminders": {
        "task": "council.tasks.action_item_reminders_due_task",
        "schedule": crontab(hour=9, minute=0),
    },
    # Case work (claims.casework.tasks).
    "claims-sla-escalation": {
        "task": "claims.casework.tasks.claims_escalate_overdue_task",
        "schedule": crontab(hour=9, minute=5),
    },
    "claims-info-request-reminders": {
        "task": "claims.casework.tasks.information_requests_remind_due_task",
        "schedule": crontab(hour=10, minute=0),
    },
    "claims-info-request-expiry": {
        "task": "claims.casework.tasks.information_requests_expire_due_task",
        "schedule": crontab(hour=0, minute=30),
    },
    "claims-bulk-jobs-resume": {"task": "claims.casework.tasks.claim_bulk_jobs_resume_task", "schedule": 300.0},
    # Imports whose worker died (running, no progress for ten minutes) are queued again and finish the rest.
    "claims-imports-resume": {"task": "claims.tasks.claim_imports_resume_task", "schedule": 120.0},
    "claims-received-notices-restore": {
        "task": "claims.tasks.claims_received_notices_restore_task",
        "schedule": 600.0,
    },
    # Payouts: resolve stuck submissions and restart stalled settlement; reconcile yesterday's gateway report.
    "payouts-sweep": {"task": "payouts.tasks.payouts_sweep_task", "schedule": 60.0},
    "payouts-reconcile-daily": {"task": "payouts.tasks.reconciliation_run_task", "schedule": crontab(hour=6, minute=0)},
    # Statistics: fold the claim tally rows the triggers wrote since the last run (reads stay a few thousand rows).
    "privacy-retention": {"task": "privacy.tasks.claims_retention_run_task", "schedule": crontab(hour=3, minute=30)},
    "privacy-access-records-purge": {
        "task": "privacy.tasks.access_records_purge_task",
        "schedule": crontab(hour=4, minute=0),
    },
    "reporting-claim-tally-compact": {"task": "reporting.tasks.claim_tally_compact_task", "schedule": 600.0},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Separate queues so a 100,000-message announcement never delays settlement or an import.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_NAMES = ["default", "notifications", "bulk", "imports", "settlement"]
CELERY_TASK_CREATE_MISSING_QUEUES = True
CELERY_TASK_ROUTES = {
    # Exact names win over patterns: campaign fan-out and its batched deliveries go to `bulk`.
    "notifications.tasks.campaign_plan_task": {"queue": "bulk"},
    "notifications.tasks.campaign_send_chunk_task": {"queue": "bulk"},
    "notifications.tasks.notification_deliver_batch_task": {"queue": "bulk"},
    "notifications.tasks.*": {"queue": "notifications"},
    "claims.tasks.claim_import_*": {"queue": "imports"},
    "claims.casework.tasks.claim_bulk_job_*": {"queue": "bulk"},
    "claims.casework.tasks.transfer_batch_export_task": {"queue": "bulk"},
    "payouts.tasks.*": {"queue": "settlement"},
    "compensation.tasks.assessment_run_*": {"queue": "bulk"},
}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Redress 피해지원센터 <no-reply@redress.local>")

# Notification channels (notifications/conf.py lists every key and its default).
NOTIFICATIONS: dict[str, Any] = {
    "ALIMTALK_BACKEND": env_str(
        "NOTIFICATIONS_ALIMTALK_BACKEND", "notifications.channels.sandbox.SandboxAlimtalkBackend"
    ),
    "SMS_BACKEND": env_str("NOTIFICATIONS_SMS_BACKEND", "notifications.channels.sandbox.SandboxSmsBackend"),
    "ENABLED_CHANNELS": env_list("NOTIFICATIONS_CHANNELS", "alimtalk,sms,email"),
    "RATE_LIMITS": {
        "email": env_int("NOTIFICATIONS_EMAIL_PER_SECOND", 200),
        "alimtalk": env_int("NOTIFICATIONS_ALIMTALK_PER_SECOND", 100),
        "sms": env_int("NOTIFICATIONS_SMS_PER_SECOND", 50),
    },
    "MAX_ATTEMPTS": env_int("NOTIFICATIONS_MAX_ATTEMPTS", 5),
    "RETRY_BASE_SECONDS": env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30),
    "SWEEP_GRACE_SECONDS": env_int("NOTIFICATIONS_SWEEP_GRACE_SECONDS", 300),
    "CAMPAIGN_CHUNK": env_int("NOTIFICATIONS_CAMPAIGN_CHUNK", 1000),
    "DELIVERY_BATCH": env_int("NOTIFICATIONS_DELIVERY_BATCH", 100),
    "MAILDIR": env_str("NOTIFICATIONS_MAILDIR", str(VAR_DIR / "mail")),
}

# Personal data of a claim is destroyed this many days after the claim reached a final state.
PRIVACY_RETENTION_DAYS = env_int("PRIVACY_RETENTION_DAYS", 3 * 365)

REDRESS: dict[str, Any] = {
    # Public base URL used in messages to claimants.
    "PUBLIC_BASE_URL": env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
    "EVIDENCE_MAX_BYTES": 10 * 1024 * 1024,
    "EVIDENCE_MAX_FILES": 5,
    # Rows per import chunk (one transaction, one progress step). 10,000 beat 5,000 and 20,000 in the import bench.
    "IMPORT_CHUNK_ROWS": env_int("IMPORT_CHUNK_ROWS", 10_000),
    # PostgreSQL connections an import writes chunks on side by side (they still commit in file order).
    "IMPORT_WRITERS": env_int("IMPORT_WRITERS", 2),
    # Case work: information requests close this many days after their due date; one reminder this many days
    # before it; bulk jobs may pause between items (seconds) to spare the database.
    "INFO_REQUEST_GRACE_DAYS": env_int("INFO_REQUEST_GRACE_DAYS", 3),
    "INFO_REQUEST_REMIND_DAYS_BEFORE": env_int("INFO_REQUEST_REMIND_DAYS_BEFORE", 1),
    "BULK_ITEM_PAUSE_SECONDS": float(env_str("BULK_ITEM_PAUSE_SECONDS", "0")),
    # A .ttf with Korean glyphs for council minutes PDFs; empty = Debian fonts-nanum's NanumGothic.
    "PDF_FONT_PATH": env_str("REDRESS_PDF_FONT_PATH", ""),
    # Claims keep a keyed hash of the client address they came from; empty = a key derived from SECRET_KEY.
    "CLIENT_ADDRESS_HASH_KEY": env_str("CLIENT_ADDRESS_HASH_KEY", ""),
    # The public claim form asks for a challenge once one address has posted it this often within the window.
    "FORM_CHALLENGE_AFTER": env_int("CLAIM_FORM_CHALLENGE_AFTER", 5),
    "FORM_CHALLENGE_WINDOW_SECONDS": env_int("CLAIM_FORM_CHALLENGE_WINDOW_SECONDS", 600),
}
# The form's challenge (django-simple-captcha): a claimant filling in a long form gets 30 minutes to answer.
CAPTCHA_TIMEOUT = 30
CAPTCHA_LENGTH = 5

# Payouts (issue 7). The gateway is an adapter: a real provider plugs in by naming its class here.
_GATEWAY_URL = env_str("PAYOUTS_GATEWAY_URL", "http://127.0.0.1:8450")
PAYOUTS: dict[str, Any] = {
    "GATEWAY_BACKEND": env_str("PAYOUTS_GATEWAY_BACKEND", "payouts.gateways.sandbox.SandboxGateway"),
    "GATEWAY_URL": _GATEWAY_URL,
    "GATEWAY_TIMEOUT": float(env_str("PAYOUTS_GATEWAY_TIMEOUT", "10")),
    "VOUCHER_BACKEND": env_str("PAYOUTS_VOUCHER_BACKEND", "payouts.gateways.sandbox.SandboxVoucherProvider"),
    "VOUCHER_URL": env_str("PAYOUTS_VOUCHER_URL", _GATEWAY_URL),
    # Fernet keys for bank account numbers, newest first: the first encrypts, every one decrypts (rotation).
    "ACCOUNT_KEYS": env_list("PAYOUTS_ACCOUNT_KEYS"),
    "ACCOUNT_HMAC_KEY": env_str("PAYOUTS_ACCOUNT_HMAC_KEY", ""),
    "KEY_PREFIX": env_str("PAYOUTS_KEY_PREFIX", "rdx"),
    "CHUNK_SIZE": env_int("PAYOUTS_CHUNK_SIZE", 200),
    "SEND_CONCURRENCY": env_int("PAYOUTS_SEND_CONCURRENCY", 8),
    "LANES": env_int("PAYOUTS_LANES", 4),
    "STUCK_AFTER_SECONDS": env_int("PAYOUTS_STUCK_AFTER_SECONDS", 120),
    "RETRY_BACKOFF_SECONDS": env_int("PAYOUTS_RETRY_BACKOFF_SECONDS", 60),
    "MANAGER_APPROVAL_ABOVE_WON": env_int("PAYOUTS_MANAGER_APPROVAL_ABOVE_WON", 100_000_000),
    # Risk flag: the claim was one of at least this many filed from one client address within this many minutes.
    "RISK_BURST_CLAIMS": env_int("PAYOUTS_RISK_BURST_CLAIMS", 20),
    "RISK_BURST_MINUTES": env_int("PAYOUTS_RISK_BURST_MINUTES", 10),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
