"""Builds the application for the configured store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import logging

from service import schema_version
from service.application import Medborgarbudget
from service.config import Settings
from service.deployment_secret import load_secret
from service.table_creation import one_at_a_time

LOG = logging.getLogger(__name__)


def open_application(settings: Settings | None = None) -> Medborgarbudget:
    """The application on the configured store, its tables created and its schema version
    checked (an older store is upgraded, a newer one refused: service/schema_version.py)."""
    settings = settings or Settings.from_env()
    env = settings.eventsourcing_env()
    secret = load_secret(settings.data_dir)
    with one_at_a_time(env):  # the library creates its tables as the application opens
        app = Medborgarbudget(secret, env=env, identities=settings.identities)
        try:
            upgraded = schema_version.upgrade(
                env, empty=not app.recorder.max_notification_id(),
                rebuild_read_models=lambda: rebuild_read_models(app, settings),
                index_cycles=app.cycle_index.index_cycles)
        except BaseException:
            app.close()
            raise
    if upgraded is not None:
        LOG.info("store upgraded", extra={"from_version": upgraded,
                                          "to_version": schema_version.SCHEMA_VERSION})
    return app


def rebuild_read_models(app: Medborgarbudget, settings: Settings) -> int:
    """Every read model rebuilt from the events; how many events were folded."""
    from service.read_models import follower_for, open_store

    store = open_store(settings)
    try:
        return follower_for(app, store).rebuild()
    finally:
        store.close()
