"""The one place that wires Wharf together from Settings: store, application, views, mail."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Callable

from psycopg.conninfo import conninfo_to_dict

from wharf.application import Wharf
from wharf.application.uploads import UploadAuthority
from wharf.domain.origin import mail_origin
from wharf.files import file_store_for
from wharf.mail import Renderer, deliver_pending, transport_for
from wharf.projections import (
    accounts,
    api_tokens,
    audit_chain,
    audit_log,
    client_actions,
    containment,
    core_metadata,
    credentials,
    files,
    freezes,
    invitations,
    known_addresses,
    log_tree,
    login_failures,
    outbox,
    projects,
    recovery_cases,
    sessions,
    switches,
    trusted_publishing,
    two_factor,
    uploaders,
)
from wharf.projections.database import Database, PostgresDatabase, SQLiteDatabase
from wharf.projections.projector import Projector
from wharf.projections.replay import Replay
from wharf.security import checkpoints
from wharf.security.oidc import IdentityTokens, fetch_json
from wharf.security.passwords import Passwords
from wharf.settings import Settings
from wharf.uploads.storage import FileStore

# Order matters: a view may read an earlier view's rows of the same event (outbox,
# two_factor, audit_log), or what it read for a later one (log_tree for audit_chain).
VIEWS = [accounts.VIEW, sessions.VIEW, projects.VIEW, invitations.VIEW, two_factor.VIEW,
         known_addresses.VIEW, client_actions.VIEW, api_tokens.VIEW, trusted_publishing.VIEW,
         files.VIEW, core_metadata.VIEW, outbox.VIEW, audit_log.VIEW, log_tree.VIEW,
         audit_chain.VIEW, freezes.VIEW, switches.VIEW, recovery_cases.VIEW,
         credentials.VIEW]
# Operational tables: written by requests, not rebuilt from the log.
OPERATIONAL = [login_failures.SCHEMA]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Wiring:
    settings: Settings
    clock: Callable[[], datetime]
    db: Database
    app: Wharf
    projector: Projector
    accounts: accounts.Accounts
    sessions: sessions.Sessions
    projects: projects.Projects
    invitations: invitations.Invitations
    outbox: outbox.Outbox
    two_factor: two_factor.TwoFactorMethods
    api_tokens: api_tokens.ApiTokens
    files: files.Files
    audit_log: audit_log.AuditLog
    log_tree: log_tree.LogTree
    log_keys: list[checkpoints.SigningKey]  # the current key first; retired ones co-sign
    replay: Replay
    upload_authority: UploadAuthority
    trusted_publishing: trusted_publishing.TrustedPublishing
    identity_tokens: IdentityTokens
    file_store: FileStore
    renderer: Renderer
    switches: switches.Switches
    recovery_cases: recovery_cases.RecoveryCases
    uploaders: uploaders.Uploaders
    credentials: credentials.Credentials
    containment: containment.Containment

    def mail_transport(self):
        return transport_for(self.settings)

    def deliver_mail(self, transport=None) -> int:
        """Deliver the outbox's pending messages, each recorded in its account's history."""
        return deliver_pending(self.outbox, self.renderer, transport or self.mail_transport(),
                               self.clock(),
                               lambda message: self.app.record_delivery(
                                   mail_origin(self.clock()), message))

    def checkpoint(self, size: int | None = None) -> tuple[checkpoints.Checkpoint, str]:
        """The log's checkpoint (now, or at an earlier size), and it as a signed note."""
        checkpoint = self.log_tree.checkpoint(self.settings.log_name, size)
        return checkpoint, checkpoints.sign(checkpoint, self.log_keys)

    def close(self) -> None:
        self.app.close()
        self.db.close()


def event_store_env(settings: Settings, *, create_tables: bool) -> dict[str, str]:
    create = "y" if create_tables else "n"
    if not settings.uses_postgres:
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(settings.sqlite_path), "CREATE_TABLE": create}
    params = conninfo_to_dict(settings.database_url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": params.get("dbname", "wharf"),
        "POSTGRES_HOST": params.get("host", "127.0.0.1"),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": params.get("user", "postgres"),
        "POSTGRES_PASSWORD": params.get("password", ""),
        "POSTGRES_SCHEMA": settings.database_schema,
        # eventsourcing tries each call 10 times, each waiting this long for a connection: ~12 s
        # in all, within gunicorn's 30 s worker timeout, so an outage is answered 503 (never a
        # worker killed mid-request, answered 500).
        "POSTGRES_CONNECT_TIMEOUT": "1",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "4",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",  # projections must never see ids out of order
        "CREATE_TABLE": create,
    }


def views_database(settings: Settings, check_connections: bool = False) -> Database:
    if settings.uses_postgres:
        return PostgresDatabase(settings.database_url, settings.database_schema,
                                check=check_connections)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SQLiteDatabase(settings.sqlite_path)


def bootstrap(settings: Settings, clock: Callable[[], datetime] = utc_now, *,
              passwords: Passwords | None = None, create_tables: bool = False,
              check_connections: bool = False,
              oidc_fetch: Callable[[str], dict] = fetch_json) -> Wiring:
    """`check_connections`: test each pooled connection before use (a round trip each), for
    a process that must recover the moment the store is back rather than fail once per stale
    connection: the projection process. `oidc_fetch`: how an issuer's documents are read."""
    db = views_database(settings, check_connections)
    app = Wharf(event_store_env(settings, create_tables=create_tables), settings,
                passwords or Passwords())
    projector = Projector(db, app.recorder, app.mapper, VIEWS,
                          app.snapshots.recorder.events_table_name)
    app.projector = projector
    app.client_actions = client_actions.ClientActions(db)
    app.login_failures = login_failures.LoginFailures(db)
    app.known_addresses = known_addresses.KnownAddresses(db)
    app.two_factor_methods = two_factor.TwoFactorMethods(db)
    app.mutex = db.exclusive
    app.api_tokens = api_tokens.ApiTokens(db)
    app.trusted_publishing = trusted_publishing.TrustedPublishing(db)
    app.switches = switches.Switches(db)
    app.recovery_cases = recovery_cases.RecoveryCases(db)
    readers = {"sessions": sessions.Sessions(db), "projects": projects.Projects(db),
               "files": files.Files(db), "audit_log": audit_log.AuditLog(db)}
    return Wiring(settings=settings, clock=clock, db=db, app=app, projector=projector,
                  accounts=accounts.Accounts(db), invitations=invitations.Invitations(db),
                  outbox=outbox.Outbox(db),
                  two_factor=app.two_factor_methods, api_tokens=app.api_tokens,
                  **readers,
                  log_tree=log_tree.LogTree(db), log_keys=log_keys(settings),
                  replay=Replay(app, settings.uploads_require_2fa),
                  upload_authority=UploadAuthority(app.api_tokens, app.trusted_publishing,
                                                   app.token_keys, settings.token_prefix,
                                                   settings.uploads_require_2fa),
                  trusted_publishing=app.trusted_publishing,
                  identity_tokens=IdentityTokens(settings.oidc_issuers, settings.oidc_audience,
                                                 oidc_fetch),
                  file_store=file_store_for(settings),
                  renderer=Renderer(settings),
                  switches=app.switches, recovery_cases=app.recovery_cases,
                  uploaders=uploaders.Uploaders(db, app.trusted_publishing, app.token_keys,
                                                settings.uploads_require_2fa),
                  credentials=credentials.Credentials(db),
                  containment=containment.Containment(
                      api_tokens=app.api_tokens, invitations=invitations.Invitations(db),
                      trusted_publishing=app.trusted_publishing, **readers))


def log_keys(settings: Settings) -> list[checkpoints.SigningKey]:
    """The checkpoints' signing keys: derived from the server secret and each retired one."""
    return [checkpoints.SigningKey.derived(settings.log_name, secret)
            for secret in (settings.secret_key, *settings.previous_secret_keys) if secret]


def initialise(settings: Settings) -> None:
    """Create the schema, event tables and view tables; safe to run again (`wharf init`)."""
    if settings.uses_postgres and settings.database_schema != "public":
        import psycopg

        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{settings.database_schema}"')
    wiring = bootstrap(settings, create_tables=True)
    try:
        wiring.projector.create_tables()
        for schema in OPERATIONAL:
            wiring.db.execute_script(schema)
        wiring.projector.catch_up()
    finally:
        wiring.close()
