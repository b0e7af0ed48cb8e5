"""Where events are stored, chosen by environment: SQLite in a data folder by default,
PostgreSQL when MEDBORGARBUDGET_DATABASE_URL is set. The same code runs on both."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DATA_ENV = "MEDBORGARBUDGET_DATA"
DATABASE_URL_ENV = "MEDBORGARBUDGET_DATABASE_URL"
IDENTITIES_ENV = "MEDBORGARBUDGET_IDENTITIES"
READY_MAX_LAG_ENV = "MEDBORGARBUDGET_READY_MAX_LAG"
READY_MAX_LAG_DEFAULT = 30.0  # seconds the read models may lag before /readyz answers 503
PERSONNUMMER, OPAQUE = "personnummer", "opaque"
IDENTITY_KINDS = (PERSONNUMMER, OPAQUE)  # see ADR 0004


class ConfigurationError(ValueError):
    pass


def private_folder(path: Path) -> None:
    """Create the data folder for the service's own user only (0700): it holds the keys and the
    stores, which nobody else on the machine should read. A folder that exists is left as the
    operator made it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists. SQLite then opens it as an empty database
    and gives its journal, WAL and shared-memory files the same mode, whatever the umask."""
    private_folder(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    # How residents are identified: by personnummer (checked, one ballot per person across
    # channels) or by the identity provider's opaque subject (no paper voting then).
    identities: str = PERSONNUMMER

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = env.get(DATABASE_URL_ENV) or None
        identities = env.get(IDENTITIES_ENV) or PERSONNUMMER
        if identities not in IDENTITY_KINDS:
            raise ConfigurationError(f"{IDENTITIES_ENV} must be one of "
                                     f"{', '.join(IDENTITY_KINDS)}, not {identities!r}")
        return cls(Path(env.get(DATA_ENV) or "./data"), url, identities)

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's own settings for the chosen store."""
        if self.database_url:
            return postgres_env(self.database_url)
        events = self.data_dir / "events.sqlite3"
        private_file(events)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(events),
            # Writers from several threads or processes wait for the file lock instead of failing.
            "SQLITE_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": "service.recorders:GuardedSQLiteRecorder",
        }

    def describe(self) -> str:
        if self.database_url:
            parts = urlsplit(self.database_url)
            return f"PostgreSQL at {parts.hostname}:{parts.port or 5432}{parts.path}"
        return f"SQLite in {self.data_dir / 'events.sqlite3'}"


def ready_max_lag(env: Mapping[str, str] | None = None) -> float:
    """MEDBORGARBUDGET_READY_MAX_LAG: seconds the read models may be behind while ready."""
    raw = ((os.environ if env is None else env).get(READY_MAX_LAG_ENV) or "").strip()
    if not raw:
        return READY_MAX_LAG_DEFAULT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise ConfigurationError(f"{READY_MAX_LAG_ENV} must be a number of seconds (0 or more), "
                                 f"not {raw!r}")
    return seconds


def postgres_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise ConfigurationError(
            f"{DATABASE_URL_ENV} must look like postgresql://user:password@host:port/dbname"
        )
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "10",
        # Checks ballots against the cycle and keeps idempotency records in the write
        # transaction (service/recorders.py).
        "APPLICATION_RECORDER_TOPIC": "service.recorders:GuardedPostgresRecorder",
    }
    schema = parse_qs(parts.query).get("schema")
    if schema:
        env["POSTGRES_SCHEMA"] = schema[0]
    return env


MUNICIPALITY_ENV = "MEDBORGARBUDGET_MUNICIPALITY"
CONTACT_EMAIL_ENV = "MEDBORGARBUDGET_CONTACT_EMAIL"
PROTECTION_OFFICER_ENV = "MEDBORGARBUDGET_DATA_PROTECTION_OFFICER"


@dataclass(frozen=True)
class Publisher:
    """Who publishes the service, as the accessibility statement and the privacy notice name
    them: the municipality (the controller of personal data) and where to reach it."""

    municipality: str | None = None  # None: the pages say "the municipality"
    contact_email: str | None = None
    protection_officer_email: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Publisher:
        """MEDBORGARBUDGET_MUNICIPALITY (the name, e.g. "Nässjö kommun"),
        MEDBORGARBUDGET_CONTACT_EMAIL and MEDBORGARBUDGET_DATA_PROTECTION_OFFICER (e-mail
        addresses); an address that is not one is refused rather than published."""
        env = os.environ if env is None else env
        name = (env.get(MUNICIPALITY_ENV) or "").strip() or None
        if name is not None and len(name) > 200:
            raise ConfigurationError(f"{MUNICIPALITY_ENV} must be at most 200 characters")
        return cls(name, _email(env, CONTACT_EMAIL_ENV), _email(env, PROTECTION_OFFICER_ENV))


def _email(env: Mapping[str, str], name: str) -> str | None:
    value = (env.get(name) or "").strip()
    if not value:
        return None
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or len(value) > 254 \
            or any(c.isspace() or c in "<>\"'()," for c in value):
        raise ConfigurationError(f"{name} must be an e-mail address, not {value!r}")
    return value
