"""Every setting is read and checked in one place: a wrong value stops the start with a message
naming its variable (and never showing a secret), the documented defaults hold, and the
command line refuses to start with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.config import VARIABLES, ConfigurationError, Settings
from service.deployment_secret import load_secret
from service.web.oidc import OidcSettings
from service.web.session import secure_cookies
from service.web.sign_in_mode import wants_test_sign_in

WRONG = [
    ("MEDBORGARBUDGET_DATABASE_URL", "mysql://user:pw@host/db"),
    ("MEDBORGARBUDGET_DATABASE_URL", "postgresql://host-without-a-database"),
    ("MEDBORGARBUDGET_IDENTITIES", "bankid"),
    ("MEDBORGARBUDGET_READY_MAX_LAG", "soon"),
    ("MEDBORGARBUDGET_READY_MAX_LAG", "-1"),
    ("MEDBORGARBUDGET_READY_MAX_LAG", "inf"),
    ("MEDBORGARBUDGET_PROJECTION_PAGE", "many"),
    ("MEDBORGARBUDGET_PROJECTION_PAGE", "0"),
    ("MEDBORGARBUDGET_PROJECTION_PAGE", "2.5"),
    ("MEDBORGARBUDGET_TEST_SIGN_IN", "perhaps"),
    ("MEDBORGARBUDGET_SECURE_COOKIES", "sometimes"),
    ("MEDBORGARBUDGET_BRAND_COLOUR", "#ffcc00"),  # white text on it: 1.5:1
    ("MEDBORGARBUDGET_BRAND_TEXT_COLOUR", "#0b4f8a"),  # on the default blue: 1.0:1
    ("MEDBORGARBUDGET_BRAND_COLOUR", "dark blue"),
    ("MEDBORGARBUDGET_LOGO", "logo-that-is-not-there.png"),
]


@pytest.mark.parametrize(("variable", "value"), WRONG)
def test_a_wrong_value_is_refused_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env({variable: value})


def test_a_database_url_with_a_password_is_never_echoed() -> None:
    with pytest.raises(ConfigurationError) as refusal:
        Settings.from_env({"MEDBORGARBUDGET_DATABASE_URL": "mysql://user:hunter2@host/db"})
    assert "hunter2" not in str(refusal.value)


def test_colours_refused_together_never_echo_the_other_settings() -> None:
    with pytest.raises(ConfigurationError) as refusal:
        Settings.from_env({"MEDBORGARBUDGET_BRAND_COLOUR": "#ffcc00",
                           "MEDBORGARBUDGET_SECRET": "ab" * 32})
    assert "MEDBORGARBUDGET_BRAND" in str(refusal.value) and "abab" not in str(refusal.value)


def test_the_command_line_will_not_start_with_an_unreadable_brand_colour(
        tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["projections", "rebuild", "--data", str(tmp_path)],
                                env={"MEDBORGARBUDGET_BRAND_COLOUR": "#9e9e9e"})
    assert result.exit_code == 2
    assert "MEDBORGARBUDGET_BRAND_COLOUR #9e9e9e" in result.output and "4.5:1" in result.output
    assert not list(tmp_path.iterdir())


def test_the_documented_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("./data")
    assert settings.backend == "sqlite"
    assert settings.identities == "personnummer"
    assert settings.ready_max_lag == 30.0
    assert settings.projection_page is None
    assert settings.jwt_issuer == settings.jwt_audience == "medborgarbudget"
    assert settings.identity_claim == "sub"
    assert settings.oidc_residence_claim == "residence"
    assert settings.forwarded_allow_ips == "127.0.0.1"
    assert not settings.test_sign_in and not settings.secure_cookies


def test_an_empty_variable_counts_as_unset() -> None:
    empty = Settings.from_env({variable: "" for variable in VARIABLES.values()})
    assert empty == Settings.from_env({})


def test_every_variable_is_read() -> None:
    settings = Settings.from_env({
        "MEDBORGARBUDGET_DATA": "/srv/mb", "MEDBORGARBUDGET_IDENTITIES": "opaque",
        "MEDBORGARBUDGET_DATABASE_URL": "postgresql://mb:pw@db:5433/mb?schema=val",
        "MEDBORGARBUDGET_READY_MAX_LAG": "2.5", "MEDBORGARBUDGET_PROJECTION_PAGE": "100",
        "MEDBORGARBUDGET_TEST_SIGN_IN": "yes", "MEDBORGARBUDGET_SECURE_COOKIES": "1",
        "MEDBORGARBUDGET_FORWARDED_ALLOW_IPS": "10.0.0.1"})
    assert settings.data_dir == Path("/srv/mb") and settings.identities == "opaque"
    assert settings.backend == "postgresql"
    assert settings.eventsourcing_env()["POSTGRES_SCHEMA"] == "val"
    assert settings.ready_max_lag == 2.5 and settings.projection_page == 100
    assert settings.test_sign_in and settings.secure_cookies
    assert settings.forwarded_allow_ips == "10.0.0.1"


def test_the_modules_read_their_settings_through_it() -> None:
    assert wants_test_sign_in({"MEDBORGARBUDGET_TEST_SIGN_IN": "true"})
    assert not wants_test_sign_in({})
    assert secure_cookies({"MEDBORGARBUDGET_SECURE_COOKIES": "TRUE"})
    assert OidcSettings.from_env({"MEDBORGARBUDGET_OIDC_ISSUER": "https://idp.example/"}) is None
    oidc = OidcSettings.from_env({"MEDBORGARBUDGET_OIDC_ISSUER": "https://idp.example/",
                                  "MEDBORGARBUDGET_OIDC_CLIENT_ID": "mb",
                                  "MEDBORGARBUDGET_IDENTITY_CLAIM": "pnr"})
    assert oidc == OidcSettings("https://idp.example", "mb", None, "residence", "pnr")


def test_a_secret_of_the_wrong_form_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="MEDBORGARBUDGET_SECRET"):
        load_secret(tmp_path, {"MEDBORGARBUDGET_SECRET": "not hex"})
    assert load_secret(tmp_path, {"MEDBORGARBUDGET_SECRET": "ab" * 32}) == bytes([0xAB] * 32)


def test_a_store_chosen_by_the_caller_is_not_the_environments(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEDBORGARBUDGET_DATABASE_URL", "postgresql://mb@db/mb")
    assert Settings(tmp_path, None).backend == "sqlite"
    assert Settings().backend == "postgresql"


@pytest.mark.parametrize(("variable", "value"), WRONG[:4])
def test_the_command_line_will_not_start_with_a_wrong_value(
        variable: str, value: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["projections", "rebuild", "--data", str(tmp_path)],
                                env={variable: value})
    assert result.exit_code == 2
    assert variable in result.output
    assert not list(tmp_path.iterdir())  # nothing was created
