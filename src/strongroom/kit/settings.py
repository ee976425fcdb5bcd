"""One typed settings object, read from ``STRONGROOM_*`` environment variables."""

from __future__ import annotations

import secrets
from enum import StrEnum
from ipaddress import ip_network
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
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


class SignupPolicy(StrEnum):
    """Who may create a Vault account: anyone, only holders of a live invitation, or nobody."""

    OPEN = "open"
    INVITE = "invite"
    CLOSED = "closed"


class BlobBackend(StrEnum):
    """Where the Vault keeps encrypted attachment blobs."""

    DISK = "disk"
    S3 = "s3"


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
    # A session's last_used_at is written at most once per this many seconds (reads stay read-only).
    session_touch_interval: int = Field(default=300, ge=1)
    username_reservation_lifetime: int = Field(default=15 * 60, ge=10)
    srp_challenge_lifetime: int = Field(default=120, ge=5)
    claim_signature_max_skew: int = Field(default=300, ge=5)
    invitation_lifetime: int = Field(default=7 * 24 * 3600, ge=60)
    client_task_stuck_after: int = Field(default=15 * 60, ge=10)
    share_sweep_interval: float = Field(default=60.0, gt=0)

    # Abuse limits: at most N events per window (seconds).
    rate_limit_backend: RateLimitBackend = RateLimitBackend.MEMORY
    redis_url: str = ""
    # Per username and address (see srp_failures_backstop_per_username).
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
    # Invitations to one address (all senders together; lowercased, ``+tag`` dropped) per window (seconds).
    invitations_per_recipient: int = Field(default=5, ge=1)
    invitations_per_recipient_window: int = Field(default=24 * 3600, ge=1)
    # Only accounts whose email address was verified (a code mailed to it) may send invitations.
    require_verified_email: bool = True
    email_code_lifetime: int = Field(default=15 * 60, ge=30)
    email_code_attempts: int = Field(default=5, ge=1)
    email_codes_per_user: int = Field(default=5, ge=1)
    email_codes_window: int = Field(default=3600, ge=1)
    # Sign-up policy of ``POST /me`` and, when not empty, the only domains (comma-separated) whose addresses
    # may be verified or admitted by an invitation.
    signups: SignupPolicy = SignupPolicy.OPEN
    signup_domains: str = ""
    # Attachments: encrypted blobs on disk (blob_dir, default <data_dir>/blobs) or in an S3-compatible bucket.
    blob_backend: BlobBackend = BlobBackend.DISK
    blob_dir: Path | None = None
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_prefix: str = ""
    s3_path_style: bool = True
    # Largest attachment (bytes of ciphertext) and each user's total of stored blob bytes.
    attachment_max_bytes: int = Field(default=5 * 1024**3, ge=0)
    blob_quota_bytes: int = Field(default=20 * 1024**3, ge=0)
    # Largest artefact record a client may upload with an attachment (about 150 bytes per MiB of file).
    attachment_artefacts_max_bytes: int = Field(default=8 * 1024**2, ge=1024)
    # Seconds an upload may stay unfinished, or a finished attachment unlinked to a slot, before collection.
    attachment_unlinked_lifetime: int = Field(default=24 * 3600, ge=2)
    # A recipient's reads of one share within this many seconds of the last recorded one are one read event
    # (0: every read is recorded); a write per read would serialise SQLite's readers behind its write lock.
    share_read_event_window: int = Field(default=60, ge=0)
    # --- end Vault ---

    # --- Serving (kit/serving.py) ---
    # Seconds a connection may take to send a whole request head (from connecting, or from the request's
    # first byte); slower ones get 408 and are closed.
    header_timeout: float = Field(default=10.0, gt=0)
    # Open connections per server process; one more is answered 503 and closed.
    max_connections: int = Field(default=1000, ge=1)
    listen_backlog: int = Field(default=2048, ge=1)
    # List pages stop adding rows once their records reach this many bytes (at least one row per page).
    max_page_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # --- end Serving ---
    # --- Hardening (limits on what a hostile client can make the services do) ---
    # Largest request body (bytes), enforced while it streams in, before parsing and authentication; a route
    # may opt into another limit (kit/bodies.py). Over it: 413 ``body_too_large``.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # A KEK rotation re-sends every key of the account (a keypair is about 5 kB): room for the key quotas.
    key_rotation_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # Serve /docs (Swagger UI, assets served locally, never from a CDN); the OpenAPI JSON is always served.
    api_docs: bool = True
    # Peers (addresses or CIDRs, comma-separated) whose X-Forwarded-For / Forwarded headers are believed.
    # None by default: the peer's own address is the client's.
    trusted_proxies: str = ""
    # Per-address limits on unauthenticated endpoints: at most N requests per window (seconds).
    signups_per_address: int = Field(default=20, ge=1)
    usernames_per_address: int = Field(default=60, ge=1)
    challenges_per_address: int = Field(default=300, ge=1)
    logins_per_address: int = Field(default=300, ge=1)
    address_window: int = Field(default=3600, ge=1)
    # srp_failures_per_username and srp_challenges_per_username count per username *and* address, so nobody
    # elsewhere can lock the owner out; past this looser backstop per username from all addresses, answers
    # are delayed by srp_backstop_delay seconds instead of refused.
    srp_failures_backstop_per_username: int = Field(default=100, ge=1)
    srp_challenges_backstop_per_username: int = Field(default=600, ge=1)
    srp_backstop_delay: float = Field(default=1.0, ge=0)
    # Per-user quotas.
    quota_bytes_per_user: int = Field(default=100 * 1024 * 1024, ge=1)
    quota_items_per_user: int = Field(default=10_000, ge=1)
    quota_keypairs_per_user: int = Field(default=1_000, ge=1)
    quota_deks_per_user: int = Field(default=20_000, ge=1)
    # --- end Hardening ---

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        for part in value.replace(",", " ").split():
            try:
                ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"not an address or CIDR: {part[:60]}") from None
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.keystore_database_url:
            self.keystore_database_url = f"sqlite+aiosqlite:///{self.data_dir / 'keystore.sqlite3'}"
        if not self.vault_database_url:
            self.vault_database_url = f"sqlite+aiosqlite:///{self.data_dir / 'vault.sqlite3'}"
        if self.mail_dir is None:
            self.mail_dir = self.data_dir / "mail"
        if self.blob_dir is None:
            self.blob_dir = self.data_dir / "blobs"
        if self.blob_backend is BlobBackend.S3 and not self.s3_bucket:
            raise ValueError("STRONGROOM_S3_BUCKET is required with the s3 blob backend")
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        return self

    @property
    def allowed_signup_domains(self) -> frozenset[str]:
        """``signup_domains`` as a set of lowercase domains (empty: every domain)."""
        return frozenset(d.strip().lower().lstrip("@") for d in self.signup_domains.split(",") if d.strip())

    @property
    def resolved_blob_dir(self) -> Path:
        assert self.blob_dir is not None
        return self.blob_dir

    @property
    def resolved_mail_dir(self) -> Path:
        assert self.mail_dir is not None
        return self.mail_dir
