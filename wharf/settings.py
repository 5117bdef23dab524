"""Wharf's configuration: one frozen value, read from the environment only by `from_environ`."""

import ipaddress
import json
import os
import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from wharf.domain.publishers import GITHUB
from wharf.domain.quotas import Quotas, Rate


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str | None = None  # postgresql://... ; None means the embedded SQLite file
    database_schema: str = "public"
    secret_key: bytes = field(default=b"", repr=False)
    site_name: str = "Wharf"
    origin: str = "http://localhost:8000"
    files_origin: str | None = None  # where distribution files are served; None: `origin`
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "Wharf <noreply@localhost>"
    session_lifetime: timedelta = timedelta(hours=12)
    sudo_window: timedelta = timedelta(minutes=30)
    email_verification_lifetime: timedelta = timedelta(hours=24)
    secure_cookies: bool = True
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_body_bytes: int = 64 * 1024
    uploads_require_2fa: bool = True
    webauthn_user_verification: str = "discouraged"  # or "preferred", "required"
    token_prefix: str = "pypi"
    previous_secret_keys: tuple[bytes, ...] = field(default=(), repr=False)
    token_reporter_keys: dict[str, str] = field(default_factory=dict)  # key id -> PEM
    max_upload_bytes: int = 100 * 1024 * 1024
    history_window: timedelta = timedelta(days=14)  # what a history shows unless asked
    ready_max_lag: int = 100  # events the views may trail the log by and still be ready
    metrics_token: str = field(default="", repr=False)  # unset: /metrics is refused
    files_url: str | None = None  # s3://bucket/prefix; None: files under data_dir/files
    s3_endpoint_url: str | None = None  # None: AWS itself
    s3_region: str | None = None
    s3_access_key_id: str | None = field(default=None, repr=False)
    s3_secret_access_key: str | None = field(default=None, repr=False)
    files_gc_grace: timedelta = timedelta(hours=24)  # an unreferenced object's age before gc
    recovery_wait: timedelta = timedelta(days=7)  # a recovery case's wait before it completes
    quotas: Quotas = Quotas()  # verification emails and new projects
    oidc_issuers: tuple[str, ...] = (GITHUB,)  # trusted publishing's identity issuers
    oidc_audience: str = "wharf"  # what an identity token must be meant for

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def log_name(self) -> str:
        """The log's origin line and key name in its checkpoints: the site's host, "/log"."""
        site = urlsplit(self.origin)
        return f"{site.netloc}{site.path.rstrip('/')}/log"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "wharf.sqlite3"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / "secret.key"


def from_environ(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    data_dir = Path(env.get("WHARF_DATA_DIR", "var"))
    proxies = tuple(
        ipaddress.ip_network(p.strip())
        for p in env.get("WHARF_TRUSTED_PROXIES", "").split(",")
        if p.strip()
    )
    settings = Settings(
        data_dir=data_dir,
        database_url=env.get("WHARF_DATABASE_URL") or None,
        database_schema=env.get("WHARF_DATABASE_SCHEMA", "public"),
        site_name=env.get("WHARF_SITE_NAME", "Wharf"),
        origin=env.get("WHARF_ORIGIN", "http://localhost:8000").rstrip("/"),
        files_origin=env.get("WHARF_FILES_ORIGIN", "").rstrip("/") or None,
        smtp_url=env.get("WHARF_SMTP_URL") or None,
        mail_from=env.get("WHARF_MAIL_FROM", "Wharf <noreply@localhost>"),
        session_lifetime=timedelta(seconds=int(env.get("WHARF_SESSION_LIFETIME", 12 * 3600))),
        secure_cookies=env.get("WHARF_INSECURE_COOKIES", "") not in ("1", "true", "yes"),
        trusted_proxies=proxies,
        uploads_require_2fa=env.get("WHARF_UPLOADS_REQUIRE_2FA", "1") not in ("0", "false", "no"),
        webauthn_user_verification=_choice(env, "WHARF_WEBAUTHN_USER_VERIFICATION",
                                           ("discouraged", "preferred", "required")),
        token_prefix=env.get("WHARF_TOKEN_PREFIX", "pypi"),
        previous_secret_keys=tuple(k.strip().encode() for k in
                                   env.get("WHARF_PREVIOUS_SECRET_KEYS", "").split(",")
                                   if k.strip()),
        token_reporter_keys=_reporter_keys(env.get("WHARF_TOKEN_REPORTER_KEYS")),
        max_upload_bytes=int(env.get("WHARF_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)),
        history_window=timedelta(days=int(env.get("WHARF_HISTORY_DAYS", 14))),
        ready_max_lag=int(env.get("WHARF_READY_MAX_LAG", 100)),
        metrics_token=env.get("WHARF_METRICS_TOKEN", ""),
        files_url=env.get("WHARF_FILES_URL") or None,
        s3_endpoint_url=env.get("WHARF_S3_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL") or None,
        s3_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        s3_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
        s3_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
        files_gc_grace=timedelta(hours=float(env.get("WHARF_FILES_GC_GRACE_HOURS", 24))),
        recovery_wait=timedelta(hours=float(env.get("WHARF_RECOVERY_WAIT_HOURS", 7 * 24))),
        quotas=_quotas(env),
        oidc_issuers=(GITHUB, *_issuers(env.get("WHARF_OIDC_ISSUERS", ""))),
        oidc_audience=env.get("WHARF_OIDC_AUDIENCE", "wharf"),
    )
    key = env.get("WHARF_SECRET_KEY")
    return _with_secret(settings, key.encode() if key else None)


QUOTAS = {"emails_added_per_ip": "WHARF_EMAIL_ADD_RATELIMIT",
          "verification_emails": "WHARF_VERIFY_EMAIL_RATELIMIT",
          "projects_per_account": "WHARF_PROJECT_CREATE_USER_RATELIMIT",
          "projects_per_ip": "WHARF_PROJECT_CREATE_IP_RATELIMIT"}


def _quotas(env: dict[str, str]) -> Quotas:
    """Warehouse's names and spelling ("2 per day"); each unset one keeps PyPI's figure."""
    return replace(Quotas(), **{name: Rate.parse(env[variable])
                                for name, variable in QUOTAS.items() if env.get(variable)})


def _reporter_keys(path: str | None) -> dict[str, str]:
    """A JSON file mapping each leak reporter's key identifier to its PEM public key."""
    if not path:
        return {}
    keys = json.loads(Path(path).read_text())
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ValueError("WHARF_TOKEN_REPORTER_KEYS must name a JSON object of key id -> PEM")
    return keys


def _issuers(value: str) -> tuple[str, ...]:
    """More trusted OIDC issuers, comma-separated: each an https URL with a host and no
    query, fragment, credentials or trailing slash, as its tokens' `iss` spells it."""
    issuers = tuple(item.strip() for item in value.split(",")) if value.strip() else ()
    for issuer in issuers:
        parts = urlsplit(issuer)
        if (parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment
                or "@" in parts.netloc or issuer.endswith("/") or not issuer.isprintable()
                or issuer == GITHUB or issuers.count(issuer) > 1):
            raise ValueError(f"WHARF_OIDC_ISSUERS: {issuer!r} is not an https issuer URL"
                             f" (without a trailing slash, listed once, GitHub's already is)")
    return issuers


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, allowed[0])
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _with_secret(settings: Settings, key: bytes | None) -> Settings:
    if key is None and settings.secret_key_path.exists():
        key = settings.secret_key_path.read_bytes().strip()
    return replace(settings, secret_key=key or b"")


def ensure_secret_key(settings: Settings) -> Settings:
    """Create var/secret.key (mode 0600) on first `wharf init` when no WHARF_SECRET_KEY is set."""
    if settings.secret_key:
        return settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.secret_key_path
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return _with_secret(settings, None)
