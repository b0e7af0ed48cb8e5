"""Finding proposals (ADR 0023) on SQLite (FTS5) and PostgreSQL (Swedish full-text search):
words find proposals as each engine allows, the filters combine with them, hostile queries are
harmless, and the search read model rebuilt from the events is the one kept as they came."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from domain.errors import InvalidInput
from projections.follower import Follower
from projections.search import ProposalFilter
from projections.store import ReadModelStore
from service.application import Medborgarbudget
from service.config import Settings
from service.read_models import open_store
from tests.integration.builders import ADMIN, configured_cycle, refused_storing_nothing

CATEGORIES = [{"id": "natur", "name": "Natur och miljö"}, {"id": "lek", "name": "Lek och idrott"}]
# (area, title, description, estimated cost in kronor, category)
PROPOSALS = (
    ("norr", "Bryggan vid sjön", "Ett ställe där barnen kan bada.", 80_000, "natur"),
    ("norr", "Utegym vid sjön", "Redskap för styrka och rörlighet.", 60_000, "lek"),
    ("unga", "Fiskebrygga", "Ungdomar fiskar gärna från bryggor.", 30_000, "natur"),
    ("unga", "Graffitivägg", "En vägg där det är tillåtet att måla.", 15_000, "lek"),
    ("norr", "Belysning längs ån", "Lampor på gångvägen vid ån.", 30_000, "natur"),
)


@pytest.fixture
def cycle(app: Medborgarbudget) -> Iterator[tuple[UUID, dict[str, UUID]]]:
    cycle_id = configured_cycle(app)
    app.set_categories(cycle_id, CATEGORIES, ADMIN)
    app.trigger(cycle_id, "open_ideas", ADMIN, "test")
    ids = {title: app.submit_proposal(cycle_id, area, title, text, cost, category,
                                      f"199001011234-{n}")
           for n, (area, title, text, cost, category) in enumerate(PROPOSALS)}
    app.withdraw_proposal(ids["Belysning längs ån"], "Dubblett", ADMIN)
    yield cycle_id, ids


@pytest.fixture
def store(settings: Settings, app: Medborgarbudget) -> Iterator[ReadModelStore]:
    store = open_store(settings)
    Follower(app.recorder, app.mapper, store).catch_up()
    yield store
    store.close()


def titles(store: ReadModelStore, cycle_id: UUID, **condition: object) -> list[str]:
    ids = store.search_proposals(str(cycle_id), ProposalFilter(**condition))  # type: ignore[arg-type]
    by_id = {p["id"]: p["title"] for p in store.proposals_of(str(cycle_id))}
    return [by_id[i] for i in ids]


def test_a_word_finds_its_forms_in_title_and_description(
        backend: str, cycle: tuple[UUID, dict[str, UUID]], store: ReadModelStore) -> None:
    cycle_id, _ = cycle
    # Both engines: "brygga" finds "Bryggan" in a title, SQLite as a prefix of the word,
    # PostgreSQL as a prefix of the stem ("brygga" stems to "brygg"; the Swedish stemmer leaves
    # "bryggan" as it is, so its stem alone would not find it).
    found = titles(store, cycle_id, q="brygga")
    assert found[0] == "Bryggan vid sjön"
    if backend == "postgres":
        # The stem also finds other forms: "bryggor" in a description (ranked below a title).
        assert found == ["Bryggan vid sjön", "Fiskebrygga"]
        assert titles(store, cycle_id, q="bryggor") == ["Bryggan vid sjön", "Fiskebrygga"]
        # With operators the text goes to websearch_to_tsquery: a phrase, a word left out.
        assert titles(store, cycle_id, q='"utegym vid sjön"') == ["Utegym vid sjön"]
        assert titles(store, cycle_id, q="sjön -utegym") == ["Bryggan vid sjön"]
        assert sorted(titles(store, cycle_id, q="graffitivägg or utegym")) == [
            "Graffitivägg", "Utegym vid sjön"]
    else:
        # A prefix only grows: "brygga" is not the start of "bryggor", nor "bryggor" of
        # "Bryggan"; and compounds are one word ("Fiskebrygga").
        assert found == ["Bryggan vid sjön"]
        assert titles(store, cycle_id, q="bryggor") == ["Fiskebrygga"]
    assert titles(store, cycle_id, q="Bryggan") == ["Bryggan vid sjön"]
    # Å, ä and ö are letters of their own: "sjon" is not "sjön".
    assert set(titles(store, cycle_id, q="sjön")) == {"Bryggan vid sjön", "Utegym vid sjön"}
    assert titles(store, cycle_id, q="sjon") == []
    assert titles(store, cycle_id, q="simhall") == []


def test_filters_combine_with_each_other_and_with_words(
        cycle: tuple[UUID, dict[str, UUID]], store: ReadModelStore) -> None:
    cycle_id, _ = cycle
    assert titles(store, cycle_id, area="unga") == ["Fiskebrygga", "Graffitivägg"]
    # By area, then in the order they came.
    assert titles(store, cycle_id, category="natur") == [
        "Bryggan vid sjön", "Belysning längs ån", "Fiskebrygga"]
    assert titles(store, cycle_id, category="natur", area="norr", status="submitted") == [
        "Bryggan vid sjön"]
    assert titles(store, cycle_id, status="withdrawn") == ["Belysning längs ån"]
    # The cost that counts, in öre: at most 30 000 kr.
    assert titles(store, cycle_id, max_cost_minor=3_000_000) == [
        "Belysning längs ån", "Fiskebrygga", "Graffitivägg"]
    assert titles(store, cycle_id, q="sjön", max_cost_minor=7_000_000) == ["Utegym vid sjön"]
    assert titles(store, cycle_id, q="vid", area="unga") == []


@pytest.mark.parametrize("hostile", [
    "'; DROP TABLE rm_search; --", '"unbalanced', "brygga OR", "NEAR(a b)", "title:brygga",
    "* ^ - + ( )", "brygga\" OR \"1\"=\"1", "a" * 200, "x AND", "-", "\\", "%", "_",
])
def test_query_syntax_is_never_an_error_and_changes_nothing(
        hostile: str, cycle: tuple[UUID, dict[str, UUID]], store: ReadModelStore) -> None:
    cycle_id, _ = cycle
    before = store.table_rows("rm_search")
    titles(store, cycle_id, q=hostile)  # no exception: every word is quoted or parsed safely
    assert store.table_rows("rm_search") == before
    assert len(titles(store, cycle_id)) == len(PROPOSALS)


def test_rebuilt_from_the_events_the_index_is_the_same(
        settings: Settings, app: Medborgarbudget, cycle: tuple[UUID, dict[str, UUID]],
        store: ReadModelStore) -> None:
    cycle_id, ids = cycle
    # Kept current a step at a time: a review changes status and cost after the first fold.
    app.trigger(cycle_id, "close_ideas", ADMIN, "test")
    app.review_proposal(ids["Fiskebrygga"], True, 45_000, "", ADMIN)
    Follower(app.recorder, app.mapper, store).catch_up()
    scratch = open_store(settings, scratch="search")
    try:
        scratch.clear()
        Follower(app.recorder, app.mapper, scratch).catch_up()
        assert scratch.table_rows("rm_search") == store.table_rows("rm_search")
        for condition in ({"q": "brygga"}, {"q": "sjön"}, {"q": "vägg måla"},
                          {"max_cost_minor": 3_000_000}, {"status": "feasible"}):
            assert titles(scratch, cycle_id, **condition) == titles(store, cycle_id,
                                                                    **condition)
        assert titles(store, cycle_id, status="feasible") == ["Fiskebrygga"]
        assert titles(store, cycle_id, max_cost_minor=3_000_000) == [
            "Belysning längs ån", "Graffitivägg"]
    finally:
        scratch.clear()
        scratch.close()


def test_a_category_outside_the_list_is_refused_and_none_is_free_text(
        app: Medborgarbudget, cycle: tuple[UUID, dict[str, UUID]]) -> None:
    cycle_id, _ = cycle
    for wrong in ("idrott", "", None, "natur; DROP"):
        refused_storing_nothing(
            app, InvalidInput,
            lambda w=wrong: app.submit_proposal(cycle_id, "norr", "Bänkar", "Fler bänkar.",
                                                10_000, w, "199001011234-9"),
            "choose one")
    plain = configured_cycle(app, name="Utan kategorier")
    app.trigger(plain, "open_ideas", ADMIN, "test")
    free = app.submit_proposal(plain, "norr", "Bänkar", "Fler bänkar.", 10_000, "sittplatser",
                               "199001011234-9")
    none = app.submit_proposal(plain, "norr", "Bord", "Fler bord.", 10_000, None,
                               "199001011234-9")
    assert app.proposal(free).category == "sittplatser"
    assert app.proposal(none).category == ""
