"""The list of cycles is read from the log once and then only from where it was read to: a cycle
created through another process's application is still listed at once."""

from __future__ import annotations

from collections.abc import Callable

from service.application import Medborgarbudget

ADMIN = "admin:test"


def test_a_cycle_created_elsewhere_is_listed_at_once(
        open_app: Callable[[], Medborgarbudget]) -> None:
    listing, creating = open_app(), open_app()
    assert listing.cycle_ids() == []
    first = creating.create_cycle("Medborgarbudget 2027", "Nässjö", ADMIN)
    assert listing.cycle_ids() == [first]
    second = creating.create_cycle("Medborgarbudget 2028", "Nässjö", ADMIN)
    third = listing.create_cycle("Ungdomsbudget 2028", "Nässjö", ADMIN)
    assert listing.cycle_ids() == [first, second, third] == creating.cycle_ids()
