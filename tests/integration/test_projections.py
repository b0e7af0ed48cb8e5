"""The read models are built from the events exactly once and can be rebuilt at any time
(DESIGN §6), on SQLite and on PostgreSQL.

- kept current a little at a time while a history of cycles is written, they equal a rebuild
  from scratch, table by table;
- the projection process killed (SIGKILL) in the middle of catching up leaves rows that agree
  with its position; started again it finishes, and no event was counted twice;
- two followers racing on the same read models end with the rows of one: the loser's batch
  rolls back whole with its tracking position;
- `medborgarbudget projections rebuild` gives the same rows again;
- each cycle's audit chain, kept as the events are folded, has the head of the cycle's export.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from benchmarks.generate import store_ballots
from projections.follower import Follower
from projections.store import TABLES, ReadModelStore
from service.application import Medborgarbudget
from service.audit_export import export_lines
from service.config import DATA_ENV, DATABASE_URL_ENV, Settings
from service.read_models import PAGE_ENV, follower_for, open_store
from tests.cycle_history import build_history, counted_ballots
from tests.paths import SCRIPT

Tables = dict[str, list[tuple[Any, ...]]]
OpenStore = Callable[..., ReadModelStore]


@pytest.fixture
def stores(settings: Settings) -> Iterator[OpenStore]:
    """Opens read-model stores on the store under test (`scratch=` for a separate set);
    closes them all afterwards."""
    opened: list[ReadModelStore] = []

    def make(scratch: str | None = None) -> ReadModelStore:
        store = open_store(settings, scratch=scratch)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def rows(store: ReadModelStore) -> Tables:
    return {table: store.table_rows(table) for table in TABLES}


def rebuilt(app: Medborgarbudget, stores: OpenStore, until: int | None = None) -> Tables:
    """The read models rebuilt from scratch into a store of their own (up to `until`)."""
    scratch = stores(scratch="rebuild")
    scratch.clear()
    Follower(app.recorder, app.mapper, scratch).catch_up(until=until)
    assert scratch.position() == (until if until is not None else last_position(app))
    return rows(scratch)


def last_position(app: Medborgarbudget) -> int:
    return app.recorder.max_notification_id() or 0


def assert_same(actual: Tables, expected: Tables) -> None:
    for table in TABLES:
        missing = [r for r in expected[table] if r not in actual[table]]
        extra = [r for r in actual[table] if r not in expected[table]]
        assert not missing and not extra, (
            f"{table}: {len(missing)} rows missing, {len(extra)} extra; first missing "
            f"{missing[:1]}, first extra {extra[:1]}")


def assert_counted_once(app: Medborgarbudget, tables: Tables) -> None:
    """Every ballot in the turnout once, every event in the audit trail at most once."""
    turnout = sum(row[-1] for row in tables["rm_turnout"])  # the ballots column is last
    assert turnout == counted_ballots(app) > 0
    receipts = [row[0] for row in tables["rm_receipts"]]
    assert len(receipts) == len(set(receipts))
    positions = [row[0] for row in tables["rm_audit"]]
    assert len(positions) == len(set(positions))
    assert max(positions) <= last_position(app)


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in (DATABASE_URL_ENV, DATA_ENV, PAGE_ENV)}
    env[DATA_ENV] = str(settings.data_dir)
    if settings.database_url:
        env[DATABASE_URL_ENV] = settings.database_url
    return {**env, **extra}


def run_cli(settings: Settings, *args: str) -> str:
    assert SCRIPT.exists(), f"console script missing: {SCRIPT} (run pip install -e .)"
    done = subprocess.run([str(SCRIPT), *args], env=cli_env(settings), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


# ---- (a) kept current while the history is written == rebuilt from scratch ----------------

def test_read_models_kept_current_equal_a_rebuild(app: Medborgarbudget,
                                                  stores: OpenStore) -> None:
    live = stores()
    # Small pages: related events (a cycle and its changes, a proposal and its review) fall in
    # different batches, so each batch starts from the documents stored by the one before.
    follower = Follower(app.recorder, app.mapper, live, page=7)
    history = build_history(app, step=follower.catch_up)
    assert live.position() == last_position(app)

    tables = rows(live)
    assert all(tables.values()), {t: len(r) for t, r in tables.items()}
    assert_same(tables, rebuilt(app, stores))
    assert_counted_once(app, tables)

    # And what the pages read from them is the history that was written.
    names = {c["name"]: c for c in live.cycles()}
    closed = names["Medborgarbudget Nässjö 2027"]
    assert closed["phase"] == "closed" and sum(closed["ballots"].values()) == 90
    successor = live.cycle(str(history.voting))
    assert successor is not None and successor["predecessor_id"] == str(history.closed.cycle_id)
    assert successor["phase"] == "voting" and successor["proposals"].get("withdrawn") == 1
    changed = [a for a in live.audit_of(str(history.voting), limit=1000)
               if a["event"] == "ballot changed"]
    assert len(changed) == 4
    assert any(r["selected"] for r in live.results_of(str(history.closed.cycle_id)))


# ---- (b) killed in the middle of catching up ------------------------------------------------

@pytest.mark.slow
def test_projection_process_killed_mid_way_resumes_without_counting_twice(
        settings: Settings, app: Medborgarbudget, stores: OpenStore) -> None:
    history = build_history(app)
    store_ballots(app, history.voting, 1500, chunk=500)
    total = last_position(app)
    live = stores()
    assert live.position() == 0

    # Five events a transaction: several hundred commits, so the process is caught mid-way.
    process = subprocess.Popen([str(SCRIPT), "project", "--once"],
                               env=cli_env(settings, **{PAGE_ENV: "5"}),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while live.position() < total // 5 and process.poll() is None:
            assert time.monotonic() < deadline, "the projection process made no progress"
            time.sleep(0.005)  # bounded polling of the tracking position
        process.send_signal(signal.SIGKILL)
        _, errors = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL, errors
    at_kill = live.position()
    assert 0 < at_kill < total, f"not killed mid-way: position {at_kill} of {total}"

    # What it left is exactly the events up to its position: nothing half-written.
    assert_same(rows(live), rebuilt(app, stores, until=at_kill))

    # Started again, it carries on from there and finishes.
    output = run_cli(settings, "project", "--once")
    assert f"Read models at position {at_kill}; event log at {total}" in output
    assert f"Caught up: {total - at_kill} events, now at position {total}." in output
    assert live.position() == total
    tables = rows(live)
    assert_same(tables, rebuilt(app, stores))
    assert_counted_once(app, tables)


# ---- (c) two followers racing ---------------------------------------------------------------

def test_two_followers_racing_end_with_the_rows_of_one(settings: Settings, app: Medborgarbudget,
                                                       stores: OpenStore) -> None:
    history = build_history(app)
    store_ballots(app, history.voting, 600, chunk=300)
    total = last_position(app)
    # Two connections to the same read models; pages of different sizes, so that their batches
    # overlap without lining up.
    followers = [Follower(app.recorder, app.mapper, stores(), page=page) for page in (7, 11)]
    processed = [0, 0]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            processed[index] = followers[index].catch_up()
        except BaseException as error:  # reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)

    # Every event was written by exactly one of them: a batch that lost the race was rolled
    # back whole and not counted. (Which of them wins how often is up to the scheduler.)
    assert sum(processed) == total, processed
    live = stores()
    assert live.position() == total
    tables = rows(live)
    assert_same(tables, rebuilt(app, stores))
    assert_counted_once(app, tables)


# ---- (d) the rebuild command ---------------------------------------------------------------

def test_projections_rebuild_command_gives_the_same_rows(settings: Settings,
                                                         app: Medborgarbudget,
                                                         stores: OpenStore) -> None:
    live = stores()
    follower = follower_for(app, live)
    build_history(app, step=follower.catch_up)
    before = rows(live)
    total = last_position(app)

    output = run_cli(settings, "projections", "rebuild")
    assert f"Rebuilt the read models from {total} events; now at position {total}." in output
    assert live.position() == total
    after = rows(live)
    assert_same(after, before)
    assert_counted_once(app, after)


# ---- (e) ballots read straight from their JSON fold to the same rows -------------------------

def test_ballots_read_from_their_json_give_the_rows_of_the_library_decoding(
        app: Medborgarbudget, stores: OpenStore) -> None:
    history = build_history(app)
    store_ballots(app, history.voting, 300, chunk=100)
    fast, decoded = stores(scratch="fast"), stores(scratch="decoded")
    tables = []
    for store, plain_json in ((fast, True), (decoded, False)):
        store.clear()
        follower = Follower(app.recorder, app.mapper, store, page=50)
        assert follower._plain_json  # the store under test uses the library's plain JSON
        follower._plain_json = plain_json
        assert follower.catch_up() == last_position(app)
        tables.append(rows(store))
    assert tables[0]["rm_receipts"] and tables[0]["rm_turnout"]
    assert_same(tables[0], tables[1])


# ---- (f) the audit chain in the read models is the export's ------------------------------------

def test_each_cycles_chain_in_the_read_models_has_the_head_of_its_export(
        app: Medborgarbudget, stores: OpenStore) -> None:
    live = stores()
    follower = Follower(app.recorder, app.mapper, live, page=7)  # chains carried across batches
    history = build_history(app, step=follower.catch_up)

    def assert_heads(cycle_id: object) -> dict[str, object]:
        manifest = json.loads(list(export_lines(app, str(cycle_id)))[-1])
        assert manifest["interim"] is False
        folded = live.cycle(str(cycle_id))
        assert folded is not None
        audit = folded["audit"]
        assert (audit["head"], audit["events"], audit["published_head"],
                audit["published_events"]) == (
            manifest["head"], manifest["counts"]["events"], manifest["published_head"],
            manifest["published_events"])
        return dict(audit)

    closed = assert_heads(history.closed.cycle_id)  # paper and digital ballots, results
    assert closed["published_head"] is not None and closed["published_head"] != closed["head"]
    assert assert_heads(history.ideas)["published_head"] is None
    # The cycle that votes: its export is interim until voting closes (its chain is over
    # what it shows); then the export links the ballots, changed ones too, as the fold did.
    voting = live.cycle(str(history.voting))
    assert voting is not None
    before = voting["audit"]
    app.trigger(history.voting, "close_voting", "admin:test", "Röstningen stängde")
    follower.catch_up()
    after = assert_heads(history.voting)
    assert after["events"] == before["events"] + 1
