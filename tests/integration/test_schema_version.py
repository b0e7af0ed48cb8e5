"""The store records the schema version it was written with: a newer server upgrades an older
store (rebuilding the read models), an older server refuses a newer store."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli import main
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from service.read_models import open_store
from service.runtime import open_application
from service.schema_version import (
    SCHEMA_VERSION,
    TABLE,
    StoreVersionError,
    stamp,
    stored_version,
)
from service.table_creation import POSTGRES, connect


def _forget_stamp(settings: Settings) -> None:
    """The store as a server before the stamp left it: no table of the stamp at all."""
    env = settings.eventsourcing_env()
    if env["PERSISTENCE_MODULE"] == POSTGRES:
        with connect(env) as connection:
            connection.execute(f'DROP TABLE "{env["POSTGRES_SCHEMA"]}".{TABLE}')
    else:
        import sqlite3

        connection = sqlite3.connect(env["SQLITE_DBNAME"])
        with connection:
            connection.execute(f"DROP TABLE {TABLE}")
        connection.close()


def test_a_new_store_is_stamped_with_this_version(settings: Settings) -> None:
    app = open_application(settings)
    app.close()
    assert stored_version(settings.eventsourcing_env()) == SCHEMA_VERSION


def test_an_older_store_is_upgraded_and_its_read_models_rebuilt(settings: Settings) -> None:
    app = open_application(settings)
    app.create_cycle("Före stämpeln", "Testby kommun", "admin:test")
    head = app.recorder.max_notification_id()
    app.close()
    _forget_stamp(settings)
    store = open_store(settings)
    store.clear()  # read models as an older server may have left them: here, none at all
    assert store.position() == 0
    store.close()

    app = open_application(settings)  # upgrades
    app.close()
    assert stored_version(settings.eventsourcing_env()) == SCHEMA_VERSION
    store = open_store(settings)
    try:
        assert store.position() == head
        assert [c["name"] for c in store.cycles()] == ["Före stämpeln"]
    finally:
        store.close()


def test_a_newer_store_is_refused_naming_both_versions(settings: Settings) -> None:
    app = open_application(settings)
    app.close()
    newer = SCHEMA_VERSION + 1
    stamp(settings.eventsourcing_env(), newer)
    with pytest.raises(StoreVersionError) as refused:
        open_application(settings)
    assert f"schema version {newer}" in str(refused.value)
    assert f"schema version {SCHEMA_VERSION}" in str(refused.value)

    env = {DATA_ENV: str(settings.data_dir)}
    if settings.database_url:
        env[DATABASE_URL_ENV] = settings.database_url
    result = CliRunner().invoke(main, ["projections", "rebuild"], env=env)
    assert result.exit_code == 2, result.output
    assert f"schema version {newer}" in result.output
    assert stored_version(settings.eventsourcing_env()) == newer  # left as it was


def test_a_store_of_version_3_gets_its_search_read_model_filled(settings: Settings) -> None:
    """Version 4 brought the proposals' search read model (ADR 0023): in a store a version 3
    server kept, the read models are current but that table is empty; upgrading rebuilds."""
    from projections.follower import Follower
    from projections.search import ProposalFilter
    from service.schema_version import CYCLE_INDEX, SEARCH
    from tests.integration.builders import ADMIN, configured_cycle

    app = open_application(settings)
    cycle_id = configured_cycle(app)
    app.trigger(cycle_id, "open_ideas", ADMIN, "test")
    app.submit_proposal(cycle_id, "norr", "Bryggan vid sjön", "En brygga.", 50_000, None,
                        "199001011234")
    store = open_store(settings)
    Follower(app.recorder, app.mapper, store).catch_up()
    app.close()
    with store._transaction(commit=True) as cursor:  # as a version 3 server left it
        cursor.execute(store.sql("DELETE FROM {rm_search}"))
    assert store.search_proposals(str(cycle_id), ProposalFilter(q="brygga")) == []
    store.close()
    stamp(settings.eventsourcing_env(), CYCLE_INDEX)

    app = open_application(settings)  # upgrades
    app.close()
    assert stored_version(settings.eventsourcing_env()) == SEARCH == SCHEMA_VERSION
    store = open_store(settings)
    try:
        assert len(store.search_proposals(str(cycle_id), ProposalFilter(q="brygga"))) == 1
    finally:
        store.close()
