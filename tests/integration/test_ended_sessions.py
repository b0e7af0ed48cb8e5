"""Ended sessions are shared by every process of a deployment, on both backends, and forgotten
once their cookies could no longer be accepted anyway."""

from __future__ import annotations

import time

from service.config import Settings
from service.web.ended_sessions import open_ended_sessions


def test_a_session_ended_by_one_process_is_ended_for_another(settings: Settings) -> None:
    one, other = open_ended_sessions(settings), open_ended_sessions(settings)
    try:
        assert not other.is_ended("session-a")
        one.end("session-a", time.time() + 3600)
        assert other.is_ended("session-a") and one.is_ended("session-a")
        assert not other.is_ended("session-b")
        one.end("session-a", time.time() + 3600)  # signing out twice is no error
        assert other.is_ended("session-a")
    finally:
        one.close()
        other.close()


def test_sessions_past_their_time_are_purged(settings: Settings) -> None:
    store = open_ended_sessions(settings)
    try:
        store.end("ended-yesterday", until=2_000, now=1_000)  # as it was recorded, back then
        store.end("ended-today", until=5_000, now=1_000)
        assert store.is_ended("ended-yesterday") and store.is_ended("ended-today")
        store.end("ended-now", until=6_000, now=3_000)  # the next sign-out cleans up
        assert not store.is_ended("ended-yesterday")
        assert store.is_ended("ended-today") and store.is_ended("ended-now")
        store.end("ended-long-ago", until=time.time() - 1)
        assert not store.is_ended("ended-long-ago")  # its cookie is refused as too old anyway
    finally:
        store.close()
