"""Settings for the workbench, read from the environment.

Every value a deployment changes comes from an environment variable, through the small typed
helpers below, which raise ImproperlyConfigured on a value they cannot read.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    """Return the boolean environment variable `name` ("1/true/yes/on" or "0/false/no/off")."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def envstr(name: str, default: str) -> str:
    """Return the environment variable `name`, or `default` when it is unset or empty."""
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def envint(name: str, default: int) -> int:
    """Return the integer environment variable `name` (ASCII digits, optionally signed)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    text = value.strip()
    if not (text.lstrip("+-").isascii() and text.lstrip("+-").isdigit()):
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")
    return int(text)


def envlist(name: str, default: list[str]) -> list[str]:
    """Return the comma-separated environment variable `name` as a list."""
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envpair(name: str) -> tuple[str, str] | None:
    """Return the environment variable `name` as two comma-separated values, None if unset."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2 or not all(parts):
        raise ImproperlyConfigured(f"{name} must be two values joined by a comma, not {value!r}")
    return parts[0], parts[1]


DEBUG = envbool("DEBUG", False)
# A development key only with DEBUG on (the demo); anywhere else the site would sign sessions
# with a key published in this file, so it refuses to start. The tests set their own
# (tests/environment.py).
SECRET_KEY = envstr("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (e.g. SECRET_KEY=$(python3 -c "
            "'import secrets; print(secrets.token_urlsafe(50))'))"
        )
    SECRET_KEY = "django-insecure-development-key-for-the-demo-only"  # noqa: S105 (DEBUG only)
# Django's test environment adds "testserver" itself; a deployment should not answer to it.
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# The name published as the author of ClaimReview exports.
WORKBENCH_ORGANISATION = envstr("WORKBENCH_ORGANISATION", "The Workbench")
# Absolute base of claim links in exports (the site's public address).
WORKBENCH_BASE_URL = envstr("WORKBENCH_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Public review pages name the reviewer who decided only when this is true.
WORKBENCH_PUBLISH_REVIEWERS = envbool("WORKBENCH_PUBLISH_REVIEWERS", False)
# Claims need two independent, blind reviews (documents can say otherwise: manage.py review_mode).
WORKBENCH_DOUBLE_REVIEW = envbool("WORKBENCH_DOUBLE_REVIEW", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "workbench",
    "sources",
    "claims",
]
# The benchmark and corpus generator are developer tools, not part of the product.
if envbool("WORKBENCH_BENCH", False):
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    # First: the request id covers everything below, and every write is logged with it.
    "workbench.logs.request_log",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "workbench.middleware.private_pages",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins and refuses a locked-out user or address before the password is
    # even hashed (32 simultaneous logins cost 25 s of CPU in hashing alone).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Ten failures from one address, or for one user from one address, lock it for 15 minutes;
# an admin unlocks earlier in the admin (Axes › Access attempts) or with axes_reset.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind a proxy the client's address is in X-Forwarded-For: AXES_PROXY_COUNT=1 reads it.
AXES_IPWARE_PROXY_COUNT = envint("AXES_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# Background work (source fetches, long exports): a database queue and `manage.py db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A web export of more claims than this is written by the worker, not streamed (a slow client
# would hold a web worker for minutes); its file is kept under WORKBENCH_EXPORT_DIR for its
# requester alone, and deleted after WORKBENCH_EXPORT_TTL_HOURS (claims/exports/jobs.py).
WORKBENCH_EXPORT_BACKGROUND_ROWS = envint("WORKBENCH_EXPORT_BACKGROUND_ROWS", 100_000)
WORKBENCH_EXPORT_DIR = Path(envstr("WORKBENCH_EXPORT_DIR", str(BASE_DIR / "exports")))
WORKBENCH_EXPORT_TTL_HOURS = envint("WORKBENCH_EXPORT_TTL_HOURS", 24)
# /healthz fails when a task due to run has waited longer than this (workbench/health.py).
WORKBENCH_WORKER_MAX_WAIT = envint("WORKBENCH_WORKER_MAX_WAIT", 300)
# Fetching: hosts on private addresses are refused; tests allow their local server by host:port.
WORKBENCH_FETCH_ALLOW = envlist("WORKBENCH_FETCH_ALLOW", [])

# Mail: password reset is offered only when EMAIL_HOST is set (workbench/urls.py).
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "workbench@localhost")
# Password-reset requests one address may make per window (workbench/throttle.py).
THROTTLE_POSTS = envint("THROTTLE_POSTS", 5)
THROTTLE_SECONDS = envint("THROTTLE_SECONDS", 900)

# Nothing inline, nothing from elsewhere: every script and style is a file of this project.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"

# Select boxes drawn in Python: the same markup, without two templates per option.
FORM_RENDERER = "workbench.forms.FormRenderer"

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
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue up instead
    # of both reading the audit chain's head and one failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"transaction_mode": "IMMEDIATE", "timeout": 30})

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pages run short queries; JIT-compiling one whose plan was estimated over a million rows
    # cost 0.6 s before it ran (measured by manage.py bench).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic gathers the files whitenoise serves (a deployment may keep it elsewhere).
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Behind HTTPS set SECURE_COOKIES=true (the demo and the browser tests run on plain HTTP).
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a proxy that ends TLS: the header it sets and the value meaning HTTPS, e.g.
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Set it only if the proxy always sets
# (or strips) that header: a client could otherwise claim HTTPS. Unset: no proxy is trusted.
SECURE_PROXY_SSL_HEADER = envpair("SECURE_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# A load balancer probes the app over plain HTTP, without the proxy's header: answer it there.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# django-axes logs each failure at WARNING with the user and address masked; keep it quiet in
# normal operation (the admin lists attempts) unless LOG_LEVEL asks for more.
AXES_VERBOSE = envbool("AXES_VERBOSE", False)

# json (one object a line, for a log pipeline; the default without DEBUG) or text (the demo).
LOG_FORMAT = envstr("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "workbench.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "workbench.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    # One line per write request (workbench/logs.py), whatever LOG_LEVEL keeps of the rest.
    "loggers": {"workbench.requests": {"level": "INFO"}},
}
