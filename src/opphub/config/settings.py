"""Django settings for OppHub.

Everything a deployment changes comes from the environment (see docs/operations.md, whose settings table
lists every variable read here; deploy/production.env.example is a production environment):
DATABASE_URL, REDIS_URL, OPPHUB_SECRET_KEY, OPPHUB_DEBUG, OPPHUB_ALLOWED_HOSTS, OPPHUB_DATA_DIR,
OPPHUB_PLAYBOOK_DIR, OPPHUB_TIME_ZONE, OPPHUB_HTTPS and the production security block below.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from opphub.config.caches import cache_settings
from opphub.config.huey import huey_settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/opphub
BASE_DIR = PACKAGE_DIR.parent.parent  # the checkout
DATA_DIR = Path(os.environ.get("OPPHUB_DATA_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("OPPHUB_SECRET_KEY")
    if key:
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("OPPHUB_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("OPPHUB_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("OPPHUB_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "opphub.config.axes_app.AxesConfig",  # django-axes, with a translated name
    "opphub.people",
    "opphub.audit",
    "opphub.customers",
    "opphub.opportunities",
    "opphub.followups",
    "opphub.api",
    "opphub.workdays",
    "huey.contrib.djhuey",
    "opphub.notifications",
    "opphub.gates",
    "opphub.workflow",
    "opphub.alerts",
    "csp",
    "opphub.demo",  # the demo and run commands (above every app: they use them all)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy: see the production security block below
]

ROOT_URLCONF = "opphub.config.urls"
WSGI_APPLICATION = "opphub.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'opphub.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
        # concurrent writers queue instead of failing half-way (numbering relies on it).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": None}
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("OPPHUB_TEST_DB", "test_opphub")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

AUTHENTICATION_BACKENDS = [
    "opphub.people.backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "opportunities:board"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes): 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("OPPHUB_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("OPPHUB_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "build" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
STATICFILES_DIRS = [PACKAGE_DIR / "static", ("vendor", BASE_DIR / "build" / "vendor")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Production security (issue 9; docs/operations.md "Production settings"; deploy/production.env.example) ---
# OPPHUB_HTTPS=true says users reach OppHub over HTTPS (usually through nginx): it turns on the HTTPS
# redirect, secure cookies and HSTS, each of which can still be set on its own. Behind a proxy that ends
# TLS, OPPHUB_PROXY_SSL_HEADER=true trusts its X-Forwarded-Proto (only if the proxy always sets it).
_HTTPS = _env_bool("OPPHUB_HTTPS", False)
SECURE_SSL_REDIRECT = _env_bool("OPPHUB_SSL_REDIRECT", _HTTPS)
SESSION_COOKIE_SECURE = _env_bool("OPPHUB_SECURE_COOKIES", _HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("OPPHUB_HSTS_SECONDS", "31536000" if _HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("OPPHUB_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = _env_bool("OPPHUB_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the proxy's or monitor's plain-HTTP health check on localhost
if _env_bool("OPPHUB_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp; D?? in docs/decisions.md): scripts, styles, fonts, images and XHR
# from this server only; no inline scripts or event handlers anywhere (page code is in static/opphub/*.js).
# data: images for Swagger UI's and the browser's own small icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Largest document upload (D18); Django's own limit on non-file form data stays at its default.
OPPHUB_UPLOAD_MAX_BYTES = int(os.environ.get("OPPHUB_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# --- end of production security ---

# Background worker (huey; see config/huey.py) and outgoing mail (SMTP; see docs/notifications.md).
HUEY = huey_settings(DATA_DIR)
EMAIL_BACKEND = os.environ.get("OPPHUB_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "OppHub <opphub@localhost>")
OPPHUB_SITE_URL = os.environ.get("OPPHUB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The shared cache and the API's abuse limits (config/caches.py, api/throttling.py, docs/operations.md).
CACHES = cache_settings(DATA_DIR)
OPPHUB_API_RATE = os.environ.get("OPPHUB_API_RATE", "1200/m")  # calls per API token (or session user)
OPPHUB_API_AUTH_FAIL_RATE = os.environ.get("OPPHUB_API_AUTH_FAIL_RATE", "20/m")  # wrong tokens per client
NINJA_NUM_PROXIES = int(os.environ.get("OPPHUB_NUM_PROXIES", "0"))  # reverse proxies in front (X-Forwarded-For)

OPPHUB_PLAYBOOK_DIR = Path(os.environ.get("OPPHUB_PLAYBOOK_DIR", BASE_DIR / "playbooks"))
OPPHUB_CURRENCY = "CNY"
OPPHUB_PAGE_SIZE = 25
OPPHUB_BOARD_CARDS_PER_COLUMN = 30

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPPHUB_LOG_LEVEL", "WARNING")},
}
