"""Feedback pages built once for all readers of the moment (service/pages/shared_pages.py)."""

from __future__ import annotations

import threading
import time

import pytest

from service.pages.shared_pages import SharedPages


class Builder:
    """Builds numbered pages at a given read-model position; can be held mid-build."""

    def __init__(self, position: int = 10, gate: threading.Event | None = None) -> None:
        self.position = position
        self.builds = 0
        self.gate = gate
        self.building = threading.Event()

    def __call__(self) -> tuple[int, str]:
        self.builds += 1
        self.building.set()
        if self.gate is not None:
            assert self.gate.wait(timeout=10)
        return self.position, f"build {self.builds} at {self.position}"


def test_a_page_is_built_once_a_moment_per_key() -> None:
    pages, build = SharedPages(fresh_seconds=0.2), Builder()
    assert pages.page("cycle sv", None, build) == "build 1 at 10"
    assert pages.page("cycle sv", None, build) == "build 1 at 10"
    assert pages.page("cycle en", None, build) == "build 2 at 10"
    time.sleep(0.25)
    assert pages.page("cycle sv", None, build) == "build 3 at 10"


def test_a_reader_waiting_for_a_write_gets_a_page_that_includes_it() -> None:
    pages, build = SharedPages(fresh_seconds=60), Builder(position=10)
    pages.page("cycle", None, build)
    assert pages.page("cycle", 10, build) == "build 1 at 10"  # already included
    build.position = 12
    assert pages.page("cycle", 11, build) == "build 2 at 12"
    assert pages.page("cycle", None, build) == "build 2 at 12"


def test_while_a_page_is_rebuilt_others_get_the_kept_one_or_wait_for_it() -> None:
    pages, build = SharedPages(fresh_seconds=0.5), Builder(gate=threading.Event())
    assert build.gate is not None
    build.gate.set()
    pages.page("cycle", None, build)
    time.sleep(0.55)  # stale now
    build.gate.clear()
    build.building.clear()
    answers: list[str] = []
    rebuilding = threading.Thread(target=lambda: answers.append(pages.page("cycle", None, build)))
    rebuilding.start()
    assert build.building.wait(timeout=10)
    assert pages.page("cycle", None, build) == "build 1 at 10"  # the kept one, meanwhile
    waiting = threading.Thread(target=lambda: answers.append(pages.page("cycle", 11, build)))
    waiting.start()  # the kept page does not include 11: it must wait for the one being built
    time.sleep(0.05)
    assert build.builds == 2 and len(answers) == 0
    build.position = 11
    build.gate.set()
    rebuilding.join(timeout=10)
    waiting.join(timeout=10)
    assert sorted(answers) == ["build 2 at 11", "build 2 at 11"]
    assert build.builds == 2


def test_a_failed_build_keeps_nothing() -> None:
    pages = SharedPages(fresh_seconds=60)

    def missing() -> tuple[int, str]:
        raise LookupError("no such cycle")

    with pytest.raises(LookupError):
        pages.page("nowhere", None, missing)
    with pytest.raises(LookupError):
        pages.page("nowhere", None, missing)
    assert pages.page("nowhere", None, Builder()) == "build 1 at 10"


def test_the_least_recently_read_pages_are_forgotten_first() -> None:
    pages, build = SharedPages(fresh_seconds=60, max_pages=2), Builder()
    pages.page("a", None, build)
    pages.page("b", None, build)
    pages.page("a", None, build)  # read again: b is now the least recent
    pages.page("c", None, build)
    assert pages.page("a", None, build) == "build 1 at 10"
    assert pages.page("b", None, build) == "build 4 at 10"
