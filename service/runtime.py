"""Builds the application for the configured store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from service.application import Medborgarbudget
from service.config import Settings
from service.deployment_secret import load_secret
from service.table_creation import one_at_a_time


def open_application(settings: Settings | None = None) -> Medborgarbudget:
    settings = settings or Settings.from_env()
    env = settings.eventsourcing_env()
    secret = load_secret(settings.data_dir)
    with one_at_a_time(env):  # the library creates its tables as the application opens
        return Medborgarbudget(secret, env=env, identities=settings.identities)
