"""The feedback pages are matched first (they are the busiest reads; service/api/app.py), so no
page route may take a request meant for any other route: every other route's address, with
each of its methods, is matched by no page route."""

from __future__ import annotations

import re

from starlette.routing import Match, Route

from service.api.app import ROUTES
from service.pages import routes as pages


def _example(path: str) -> str:
    """An address the route answers: each parameter replaced by a plain value."""
    return re.sub(r"\{[^}]+\}", "x1", path)


def _other_routes() -> list[tuple[str, str]]:
    found = []
    for included in ROUTES.routes:
        router = included.original_router  # type: ignore[attr-defined]
        if router is pages.router:
            continue
        for route in router.routes:
            for method in sorted(getattr(route, "methods", None) or {"GET"}):
                found.append((method, _example(route.path)))
    return found


def test_the_pages_come_first_and_take_no_other_routes_request() -> None:
    assert ROUTES.routes[0].original_router is pages.router  # type: ignore[attr-defined]
    others = _other_routes()
    assert len(others) > 60
    page_routes = [r for r in pages.router.routes if isinstance(r, Route)]
    assert page_routes
    taken = [(method, path, page.path) for method, path in others for page in page_routes
             if page.matches({"type": "http", "method": method, "path": path,
                              "root_path": ""})[0] is Match.FULL]
    assert not taken, taken

