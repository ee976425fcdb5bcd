"""One typed settings object, read from ``STRONGROOM_*`` environment variables."""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class Services(StrEnum):
    """Which services a process serves: both under one port, or one alone at the root path."""

    BOTH = "both"
    KEYSTORE = "keystore"
    VAULT = "vault"


class RateLimitBackend(StrEnum):
    MEMORY = "memory"
    REDIS = "redis"


class Settings(BaseSettings):
    """Everything a Strongroom process can be told.

    Database URLs default to SQLite files under ``data_dir``; the mail folder likewise. The service
    credential (Keystore → Vault admission) defaults to a random value, which is right only when both
    services run in one process: set ``STRONGROOM_SERVICE_CREDENTIAL`` on both when they run apart.
    """

    model_config = SettingsConfigDict(env_prefix="STRONGROOM_", extra="ignore")

    data_dir: Path = Path("var")
    keystore_database_url: str = ""
    vault_database_url: str = ""
    database_pool_size: int = Field(default=10, ge=1)
    migrate_on_start: bool = True

    services: Services = Services.BOTH
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)

    # Keystore → Vault: the Vault's base URL when the services run apart (empty: the co-hosted Vault).
    vault_url: str = ""
    service_credential: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)))

    # Lifetimes, in seconds.
    session_lifetime: int = Field(default=12 * 3600, ge=60)
    username_reservation_lifetime: int = Field(default=15 * 60, ge=10)
    srp_challenge_lifetime: int = Field(default=120, ge=5)
    claim_signature_max_skew: int = Field(default=300, ge=5)
    invitation_lifetime: int = Field(default=7 * 24 * 3600, ge=60)
    client_task_stuck_after: int = Field(default=15 * 60, ge=10)
    share_sweep_interval: float = Field(default=60.0, gt=0)

    # Abuse limits: at most N events per window (seconds).
    rate_limit_backend: RateLimitBackend = RateLimitBackend.MEMORY
    redis_url: str = ""
    srp_failures_per_username: int = 10
    srp_failures_per_address: int = 50
    srp_failures_window: int = 15 * 60
    srp_challenges_per_username: int = 60
    srp_challenges_window: int = 15 * 60
    claims_per_user: int = 120
    claims_window: int = 60
    invitations_per_user: int = 50
    invitations_window: int = 3600

    # Mail. Without smtp_host, mail goes to a maildir folder (mail_dir, default <data_dir>/mail).
    mail_from: str = "Strongroom <strongroom@localhost>"
    mail_dir: Path | None = None
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = 10.0
    mail_poll_interval: float = Field(default=2.0, gt=0)
    mail_max_attempts: int = Field(default=20, ge=1)
    mail_backoff_base: float = Field(default=5.0, gt=0)
    mail_backoff_max: float = Field(default=3600.0, gt=0)
    run_mail_worker: bool = True

    # How the services describe themselves (mail texts, the CLI commands in invitation mails).
    public_url: str = ""
    # Serve the browser client (Strongroom Web) at / beside both services; never with --only.
    web: bool = True

    log_level: str = "INFO"
    log_json: bool = True

    # --- Keystore (appended by the Keystore service) ---
    # Refuse POST /srp/users for a username that POST /srp/username did not hand out (the spec's rule). Off by
    # default: Meeco's CLI registers the username of a given secret key directly, without a reservation.
    srp_require_username_reservation: bool = False
    # Seconds the Keystore waits for the Vault (admission tokens) before answering 503.
    vault_timeout: float = Field(default=10.0, gt=0)
    # --- end Keystore ---

    # --- Vault (appended by the Vault service) ---
    # Longest lifetime (seconds) an inviter may ask for with ``expires_in``.
    invitation_max_lifetime: int = Field(default=30 * 24 * 3600, ge=60)
    # Seconds a mail worker holds a claimed outbox row before another worker may retry it; longer than any
    # SMTP exchange can take, so one mail is never sent by two workers at once.
    mail_lease: float = Field(default=300.0, gt=0)
    # --- end Vault ---

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.keystore_database_url:
            self.keystore_database_url = f"sqlite+aiosqlite:///{self.data_dir / 'keystore.sqlite3'}"
        if not self.vault_database_url:
            self.vault_database_url = f"sqlite+aiosqlite:///{self.data_dir / 'vault.sqlite3'}"
        if self.mail_dir is None:
            self.mail_dir = self.data_dir / "mail"
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        return self

    @property
    def resolved_mail_dir(self) -> Path:
        assert self.mail_dir is not None
        return self.mail_dir
