"""Builds the application for the configured store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from service.application import Medborgarbudget
from service.config import Settings
from service.deployment_secret import load_secret


def open_application(settings: Settings | None = None) -> Medborgarbudget:
    settings = settings or Settings.from_env()
    return Medborgarbudget(load_secret(settings.data_dir), env=settings.eventsourcing_env())
