"""What the pages call a proposal once the vote is counted: a selected project not yet started
is "Valt" (on the progress page "Valt, inte påbörjat än"), never "Genomförbart"; an abandoned
one "Genomförs inte", never still "Valt". On SQLite and PostgreSQL."""

from __future__ import annotations

from domain.phases import Phase
from tests.e2e.api_client import Api
from tests.integration.builders import ADMIN, drive

GYM, LIGHT, CAFE = "Utegym vid sjön", "Belysning längs ån", "Ungdomscafé"


def _row(page: str, title: str) -> str:
    return page.split(f">{title}</a>", 1)[1].split("</tr>", 1)[0]


def test_selected_started_abandoned_each_say_so(api: Api) -> None:
    app = api.app
    built = drive(app, Phase.IMPLEMENTATION)
    gym, light, cafe = (built.proposals[t] for t in (GYM, LIGHT, CAFE))
    app.report_progress(gym, 40, "Upphandlat.", 20_000, ADMIN)
    app.abandon_proposal(cafe, "Lokalen brann.", ADMIN)
    position = api.stored()

    listing = api.client.get(f"/cycles/{built.cycle_id}/proposals",
                             params={"position": position}).text
    assert "Genomförs" in _row(listing, GYM)
    assert "Valt" in _row(listing, LIGHT) and "Genomförbart" not in _row(listing, LIGHT)
    abandoned = _row(listing, CAFE)
    assert "Genomförs inte" in abandoned and "Valt" not in abandoned
    assert "Lokalen brann." in abandoned

    progress = api.client.get(f"/cycles/{built.cycle_id}/progress",
                              params={"position": position}).text
    light_item = progress.split(f">{LIGHT}</a>", 1)[1].split("</li>", 1)[0]
    assert "Valt, inte påbörjat än" in light_item and "Genomförbart" not in light_item
    english = api.client.get(f"/cycles/{built.cycle_id}/progress", params={"lang": "en"}).text
    assert "Selected, not started yet" in english

    page = api.client.get(f"/proposals/{light}", params={"position": position}).text
    status = page.split("<dt>Status</dt>", 1)[1].split("</dd>", 1)[0]
    assert "Valt" in status and "Genomförbart" not in status
    page = api.client.get(f"/proposals/{cafe}", params={"position": position}).text
    assert "Genomförs inte" in page.split("<dt>Status</dt>", 1)[1].split("</dd>", 1)[0]
