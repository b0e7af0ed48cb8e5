"""The service's settings, all read from the environment in one place (`Settings`).

Where events are stored is one of them: SQLite in a data folder by default, PostgreSQL when
MEDBORGARBUDGET_DATABASE_URL is set. The same code runs on both."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from service.colours import AA_TEXT, contrast, hex_colour

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


# Every setting's variable is this and its name in capitals (MEDBORGARBUDGET_JWT_SECRET), but
# for the few whose field names an alias (Settings' fields; VARIABLES below lists them all).
PREFIX = "MEDBORGARBUDGET_"
# The map's background (ADR 0031): OpenStreetMap's tiles unless the municipality names its own;
# `off` draws boundaries and markers on a blank background and loads no image from elsewhere.
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
NO_TILES = "off"
MUNICIPALITY_ENV = PREFIX + "MUNICIPALITY"
CONTACT_EMAIL_ENV = PREFIX + "CONTACT_EMAIL"
PROTECTION_OFFICER_ENV = PREFIX + "DATA_PROTECTION_OFFICER"
BRAND_COLOUR_DEFAULT, BRAND_TEXT_COLOUR_DEFAULT = "#0b4f8a", "#ffffff"
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif")
# Never echoed in an error: they hold passwords.
SECRET_FIELDS = frozenset({"secret", "session_secret", "jwt_secret", "oidc_client_secret",
                           "database_url", "smtp_url"})


class Settings(BaseSettings):
    """Every setting of the service, read from the environment once and checked as a whole:
    a wrong value stops the start with a message naming its variable (docs/deploy.md lists
    them). An empty variable counts as unset.

    `Settings(data_dir, database_url)` chooses a store explicitly (tests, tools); everything
    else is then still read from the environment."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, populate_by_name=True,
                                      env_ignore_empty=True, extra="ignore")

    data_dir: Path = Field(Path("./data"), validation_alias=DATA_ENV)
    database_url: str | None = Field(None, validation_alias=DATABASE_URL_ENV)
    # How residents are identified: by personnummer (checked, one ballot per person across
    # channels) or by the identity provider's opaque subject (no paper voting then).
    identities: Literal["personnummer", "opaque"] = Field("personnummer",
                                                          validation_alias=IDENTITIES_ENV)
    # Seconds the read models may lag before /readyz answers 503.
    ready_max_lag: float = Field(READY_MAX_LAG_DEFAULT, ge=0, allow_inf_nan=False,
                                 validation_alias=READY_MAX_LAG_ENV)
    # Events the follower folds a transaction (projections.follower.PAGE when unset).
    projection_page: int | None = Field(None, ge=1, strict=False)
    secret: str | None = None
    session_secret: str | None = None
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_issuer: str = "medborgarbudget"
    jwt_audience: str = "medborgarbudget"
    identity_claim: str = "sub"
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_residence_claim: str = "residence"
    # The claim (of API tokens and of the identity provider) naming where a resident works,
    # for areas open to those who live or work there (ADR 0025); absent: no such claim.
    works_in_claim: str = "works_in"
    test_sign_in: bool = False
    secure_cookies: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    # Who publishes the service (the legal pages name them); unset: "the municipality".
    municipality: str | None = Field(None, max_length=200)
    contact_email: str | None = None
    protection_officer_email: str | None = Field(None, validation_alias=PROTECTION_OFFICER_ENV)
    # Mail to residents (docs/adr/0028): where it leaves (smtp:// or smtps://, with user and
    # password), whom it is from, the site's address its links lead to, and (serve --demo)
    # into the log instead. Neither an SMTP address nor the log: no mail is sent.
    smtp_url: str | None = None
    mail_from: str = "Medborgarbudget <noreply@localhost>"
    public_url: str = "http://127.0.0.1:8000"
    mail_to_log: bool = False
    # The municipality's look (ADR 0027): its logo (a file, or an https address) and the
    # colour of the header, buttons and links, with the colour of text on it.
    logo: str | None = None
    brand_colour: str = BRAND_COLOUR_DEFAULT
    brand_text_colour: str = BRAND_TEXT_COLOUR_DEFAULT
    map_tiles: str = Field(OSM_TILES, max_length=500)
    map_attribution: str = Field(OSM_ATTRIBUTION, min_length=1, max_length=300)

    def __init__(self, data_dir: Path | str | None = None, database_url: str | None = None,
                 /, **values: Any) -> None:
        if data_dir is not None:  # a store chosen by the caller, not by the environment
            values.update(data_dir=data_dir, database_url=database_url)
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise ConfigurationError(_explained(error)) from None

    @field_validator("database_url")
    @classmethod
    def _a_postgres_url(cls, url: str | None) -> str | None:
        if url is not None:
            postgres_env(url)  # raises, naming the variable
        return url

    @field_validator("smtp_url")
    @classmethod
    def _an_smtp_url(cls, url: str | None) -> str | None:
        if url is not None and urlsplit(url).scheme not in ("smtp", "smtps"):
            raise ValueError("must look like smtp://user:password@host:port or smtps://…")
        return url

    @field_validator("public_url")
    @classmethod
    def _a_web_address(cls, url: str) -> str:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ValueError("must be the site's address, like https://medborgarbudget.example.se")
        return url.rstrip("/")

    @field_validator("municipality", "contact_email", "protection_officer_email")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("contact_email", "protection_officer_email")
    @classmethod
    def _an_email_address(cls, value: str | None) -> str | None:
        # Refused rather than published on the legal pages.
        if value is not None:
            local, at, domain = value.partition("@")
            if not at or not local or "." not in domain or len(value) > 254 \
                    or any(c.isspace() or c in "<>\"'()," for c in value):
                raise ValueError("must be an e-mail address")
        return value

    @field_validator("brand_colour", "brand_text_colour")
    @classmethod
    def _a_colour(cls, value: str) -> str:
        return hex_colour(value)

    @field_validator("logo")
    @classmethod
    def _a_logo(cls, value: str | None) -> str | None:
        # Checked now rather than found missing by the first visitor.
        value = (value or "").strip() or None
        if value is None or value.startswith("https://"):
            return value
        if "://" in value:
            raise ValueError("must be a file or an https:// address")
        if not value.lower().endswith(LOGO_SUFFIXES):
            raise ValueError(f"must be an image ({', '.join(LOGO_SUFFIXES)})")
        if not Path(value).is_file():
            raise ValueError("names no file")
        return value

    @model_validator(mode="after")
    def _readable_colours(self) -> Settings:
        """Text on the brand colour (the header), and the brand colour as text on white (links,
        buttons' labels are the text colour), both at WCAG AA's 4.5:1: refused at start."""
        text_on_brand = contrast(self.brand_text_colour, self.brand_colour)
        brand = VARIABLES["brand_colour"]
        if text_on_brand < AA_TEXT:
            raise ValueError(
                f"{VARIABLES['brand_text_colour']} {self.brand_text_colour} on {brand} "
                f"{self.brand_colour} has a contrast of {text_on_brand:.1f}:1; text needs at "
                f"least {AA_TEXT}:1 (WCAG AA)")
        on_white = contrast(self.brand_colour, "#ffffff")
        if on_white < AA_TEXT:
            raise ValueError(
                f"{brand} {self.brand_colour} as link text on white has a contrast of "
                f"{on_white:.1f}:1; text needs at least {AA_TEXT}:1 (WCAG AA): choose a "
                f"darker colour")
        return self

    @field_validator("map_tiles")
    @classmethod
    def _a_tile_template(cls, value: str) -> str:
        value = value.strip()
        if value == NO_TILES:
            return value
        parts = urlsplit(value)
        # One host, named exactly: the pages' Content-Security-Policy lets images come from
        # it and from nowhere else, so `{s}` subdomains and credentials are refused.
        if parts.scheme not in ("https", "http") or not parts.hostname or "{" in parts.netloc \
                or "@" in parts.netloc or any(k not in value for k in ("{z}", "{x}", "{y}")) \
                or any(c.isspace() or c in "'\";," for c in value):
            raise ValueError("must be 'off' or a tile URL template on one host with {z}, {x} "
                             "and {y}, like " + OSM_TILES)
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of `env` (the process's environment when None). Read again on each
        call, so a variable changed while running counts (a page asks on every request which
        sign-in is configured); checked once per distinct set of values."""
        env = os.environ if env is None else env
        return _settings_of(tuple((variable, env[variable]) for variable in VARIABLES.values()
                                  if env.get(variable)))

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


def _variable(name: str) -> str:
    alias = Settings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else PREFIX + name.upper()


# Each setting's environment variable, by the field of Settings that holds it.
VARIABLES: dict[str, str] = {name: _variable(name) for name in Settings.model_fields}


class _GivenSettings(Settings):
    """Settings read from a mapping given instead of the process's environment."""

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   *sources: PydanticBaseSettingsSource,
                                   **named_sources: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@functools.lru_cache(maxsize=64)
def _settings_of(given: tuple[tuple[str, str], ...]) -> Settings:
    fields = {variable: name for name, variable in VARIABLES.items()}
    values: dict[str, Any] = {fields[variable]: value for variable, value in given}
    return _GivenSettings(**values)


def _explained(error: ValidationError) -> str:
    """Each wrong value with the variable that gave it (a secret's value is never shown)."""
    names = {variable: name for name, variable in VARIABLES.items()}
    lines = []
    for problem in error.errors():
        variable = str(problem["loc"][0]) if problem["loc"] else "the settings"
        variable = VARIABLES.get(variable, variable)
        message = problem["msg"].removeprefix("Value error, ")
        if variable in message or not problem["loc"]:  # a check of the whole names its own
            lines.append(message)
        elif names.get(variable) in SECRET_FIELDS:
            lines.append(f"{variable}: {message}")
        else:
            lines.append(f"{variable}: {message}, not {problem.get('input')!r}")
    return "; ".join(lines)


def ready_max_lag(env: Mapping[str, str] | None = None) -> float:
    """MEDBORGARBUDGET_READY_MAX_LAG: seconds the read models may be behind while ready."""
    return Settings.from_env(env).ready_max_lag


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


@dataclass(frozen=True)
class Publisher:
    """Who publishes the service, as the accessibility statement and the privacy notice name
    them: the municipality (the controller of personal data) and where to reach it."""

    municipality: str | None = None  # None: the pages say "the municipality"
    contact_email: str | None = None
    protection_officer_email: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> Publisher:
        """MEDBORGARBUDGET_MUNICIPALITY (the name, e.g. "Nässjö kommun"),
        MEDBORGARBUDGET_CONTACT_EMAIL and MEDBORGARBUDGET_DATA_PROTECTION_OFFICER."""
        return cls(settings.municipality, settings.contact_email,
                   settings.protection_officer_email)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Publisher:
        return cls.of(Settings.from_env(env))
