"""One settings module, read from the environment (see README, "Configuration").

A bad value stops the process at start with a message naming the variable (config/env.py).
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_secret_key,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = env_bool("DJANGO_DEBUG", False)
# A production process (debugging off, not under test) refuses to start on a guessable key or
# without the host names it answers to (README, "Configuration").
PRODUCTION = not DEBUG and not TESTING
if PRODUCTION:
    SECRET_KEY = env_secret_key("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "Set the DJANGO_ALLOWED_HOSTS environment variable to the host names the service "
            "answers to, separated by commas (e.g. governance.example.nhs.uk), when "
            "DJANGO_DEBUG is off."
        )
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-never-used-in-production")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here: no content network needed
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",  # before governance: its failure receiver runs first (governance/accounts/receivers.py)
    "csp",
    "governance",
    "coding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.faults.FaultsMiddleware",  # the database lost mid-request: 503, never 500
    "config.contention.SessionMiddleware",  # Django's, patient with SQLite's lock
    "governance.accounts.sessions.IdleSessionMiddleware",  # saves a session in use now and then
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.LoginRequiredMiddleware",
    # Pages: SQLite's "database is locked" is a 409 that says why (config/contention.py).
    "config.contention.LockContentionMiddleware",
    # Last, as django-axes asks: turns a lockout into the "Too many failed sign-ins" page.
    "axes.middleware.AxesMiddleware",
]

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
                "config.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Checked wherever a password is set on a page or by a service (the administration's new
# account, "Change password", the Django admin); seed_demo and the tests' factories set theirs
# with set_password, unchecked.
PASSWORD_MIN_LENGTH = 12
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in (README, "Configuration"). django-axes counts failed sign-ins on the sign-in page,
# the API token endpoint and the Django admin's login, by username and IP address together
# (one person's typos do not lock out the rest of the ward behind the same address), and
# after SIGN_IN_FAILURE_LIMIT of them refuses that pair, right password or not, for
# SIGN_IN_LOCKOUT_MINUTES from the last counted failure. The attempts live in the database.
SIGN_IN_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
SIGN_IN_LOCKOUT_MINUTES = env_int("SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1, maximum=24 * 60)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in forgets the earlier typos
# Attempts while locked out do not push the end of the lockout further: the page's "try
# again after" stays true (governance/accounts/lockout.py).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "governance.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # governance/accounts keeps the sign-in record
AXES_VERBOSE = False  # no banner on every start (commands' stderr is theirs)
# Sessions end after SESSION_IDLE_MINUTES without a request; requests push the end on, with
# one session write every tenth of that time, not one a request (governance/accounts/sessions.py).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1, maximum=7 * 24 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_ENGINE = "governance.accounts.sessions"
# API tokens (POST /api/v1/auth/token/) end API_TOKEN_HOURS after their issue, and on a
# password change, on signing out and on DELETE of the same endpoint.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 12, minimum=1, maximum=90 * 24)
API_TOKEN_LIFETIME = timedelta(hours=API_TOKEN_HOURS)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Static files: STATIC_URL is /assets/ because the NHS.UK frontend stylesheet refers to its
# icons as /assets/images/...; the package's assets folder is mounted at the root of it.
STATIC_URL = "/assets/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    _NODE / "nhsuk-frontend" / "dist" / "nhsuk" / "assets",
    ("vendor/nhsuk", _NODE / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("vendor/htmx", _NODE / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads (extracts of coded episodes, kept only until their reconciliation has run): on this
# disk, which the web and worker processes share (docker-compose.yml's `uploads` volume).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Redis: unset means Celery runs tasks eagerly in process and the cache is local memory.
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Periodic jobs: reviewable here, not in a database (STYLE.md, "Celery").
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "heartbeat": {"task": "config.tasks.heartbeat", "schedule": 60.0},
    # Reviews due and overdue: flagged, and a notice to the governance leads once per review.
    "governance-flag-reviews-due": {
        "task": "governance.introductions.tasks.flag_reviews_due",
        "schedule": crontab(hour=6, minute=30),
    },
    # Overdue Yellow Cards: one digest a day to each governance lead.
    "governance-yellow-cards-overdue": {
        "task": "governance.events.tasks.yellow_cards_overdue_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    # The outbox's sweeper: notices a broker or mail outage left pending, and retries.
    "governance-send-due-notices": {
        "task": "governance.notices.tasks.send_due_notices",
        "schedule": 300.0,
    },
    # Catches up stored codings a lost revalidation message left on an older rule-set version.
    "coding-revalidate-stale": {
        "task": "coding.tasks.revalidate_stale_codings",
        "schedule": crontab(minute=15),
    },
}

# Email: Django's own variable names.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent_emails"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds an SMTP call may take: a mail server that hangs must not hold a worker, nor a
# notice's claim (notices/services.py, CLAIM_LAPSE), for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "governance@localhost")

# Local policy for the MHRA Yellow Card: days from an event's detection to its report, for
# severe or fatal harm and for the rest (README, "Configuration").
YELLOW_CARD_DAYS_SERIOUS = env_int("YELLOW_CARD_DAYS_SERIOUS", 2, minimum=0, maximum=90)
YELLOW_CARD_DAYS_OTHER = env_int("YELLOW_CARD_DAYS_OTHER", 10, minimum=0, maximum=90)

# Security: everything `manage.py check --deploy` asks for when DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp): scripts, styles and everything else from this server
# only; no inline script or style, no eval (htmx runs with allowEval off: templates/base.html).
# The one other origin is the NHS.UK frontend's font host, which its stylesheet loads the
# Frutiger fonts from. `data:` images: the committee report carries its charts as data URLs,
# so that the page and its PDF are one document (governance/reports/content.py), and Swagger
# UI's stylesheet draws its icons with them. tests/security/test_finding6_headers.py and
# tests/e2e/test_csp.py hold every page to this.
NHSUK_FONT_HOST = "https://assets.nhs.uk"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", NHSUK_FONT_HOST],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (config/middleware.py): none of these powerful features is used, so no
# page, nor anything a page might embed, may ask for them.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

REST_FRAMEWORK = {
    # The token first: a refused token is a 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # JSON only, read by a parser that answers 400 to a body nested too deeply (config/parsers.py).
    # The views that take a file or a form name their parsers (reconciliation, the token).
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "New interventional procedures governance API",
    "DESCRIPTION": "Introductions of NICE interventional procedures, their monitoring, "
    "adverse events and OPCS-4 coding validation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The interactive docs load Swagger UI from this server, not from a content network a
    # hospital network may not reach.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs each step of every PDF at INFO; its warnings (a missing file) stay.
        "weasyprint.progress": {"level": "WARNING"},
        # django-axes logs each step of every sign-in at INFO; its lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}

FORM_RENDERER = "config.forms.NHSFormRenderer"

# Development and tests serve static files straight from the finders; production from
# STATIC_ROOT, filled by `collectstatic` in the image.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
