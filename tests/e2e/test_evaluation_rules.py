"""The evaluation report: its address is a web address (http or https) and nothing else; a
second report is a revision with a reason that keeps the first in the history (and what it did
not restate); the page shows the participants, the address and the revisions. Over HTTP on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.phases import Phase
from service.api.auth import Role
from tests.e2e.api_client import API, Api
from tests.integration.builders import ADMIN, drive

REPORT = "Fler unga röstade än förra året."
URL = "https://www.testby.se/medborgarbudget/utvardering-2027.pdf"


def test_only_web_addresses_and_a_second_report_is_a_revision(api: Api) -> None:
    cycle = str(drive(api.app, Phase.EVALUATION, prepared=False).cycle_id)
    evaluation = f"{API}/cycles/{cycle}/evaluation"
    for address in ("javascript:alert(document.cookie)", "JavaScript:alert(1)",
                    "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
                    "ftp://ftp.testby.se/rapport", "https://", "www.testby.se/rapport",
                    "https://www.testby.se/a rapport"):
        problem = api.refused("PUT", evaluation, 422, role=Role.ADMIN,
                              json={"report": REPORT, "url": address})
        assert problem["field"] == "url", address
        assert "http" in problem["detail"]

    first = api.admin("PUT", evaluation, json={"report": REPORT, "participants": 412,
                                               "url": URL})
    assert first["evaluation"] == {"report": REPORT, "participants": 412, "url": URL}

    # A second report does not silently replace the first: it needs a reason.
    again = {"report": "Rättad: fler unga och fler äldre röstade."}
    problem = api.refused("PUT", evaluation, 422, role=Role.ADMIN, json=again)
    assert problem["field"] == "reason" and "revision" in problem["detail"]
    assert api.ok("GET", f"{API}/cycles/{cycle}")["evaluation"] == first["evaluation"]

    revised = api.admin("PUT", evaluation, json={**again, "reason": "Äldres röster saknades."})
    # What the revision did not restate is kept, not dropped.
    assert revised["evaluation"] == {"report": again["report"], "participants": 412, "url": URL}
    history = revised["evaluation_history"]
    assert [v["evaluation"]["report"] for v in history] == [REPORT, again["report"]]
    assert [v["reason"] for v in history] == [None, "Äldres röster saknades."]
    assert {v["actor"] for v in history} == {"admin:processledare"}
    topics = [e["topic"] for e in api.ok("GET", f"{API}/cycles/{cycle}/events",
                                         role=Role.AUDITOR, params={"limit": 1000})["events"]]
    assert topics[-2:] == ["medborgarbudget:BudgetCycle.EvaluationRecorded",
                           "medborgarbudget:BudgetCycle.EvaluationRevised"]

    page = api.client.get(f"/cycles/{cycle}", params={"position": revised["position"]})
    assert page.status_code == 200
    assert "Deltagare: 412" in page.text
    assert f'<a href="{URL}">' in page.text
    assert "Äldres röster saknades." in page.text and "Reviderad" in page.text
    english = api.client.get(f"/cycles/{cycle}", params={"lang": "en"})
    assert "Participants: 412" in english.text and "The whole evaluation report" in english.text

    assert api.fire(cycle, "close")["phase"] == "closed"


def test_an_address_stored_before_the_check_is_no_link(api: Api) -> None:
    """A history may hold an address recorded before addresses were checked: it still loads,
    and the page makes no link of it."""
    app = api.app
    cycle = app.cycle(drive(app, Phase.EVALUATION, prepared=False).cycle_id)
    cycle._evaluation_recorded({"report": REPORT, "url": "javascript:alert(1)"}, ADMIN,
                               datetime.now(UTC))
    app.save(cycle)
    assert app.cycle(cycle.id).evaluation == {"report": REPORT, "url": "javascript:alert(1)"}
    page = api.client.get(f"/cycles/{cycle.id}", params={"position": api.stored()})
    assert REPORT in page.text and "javascript:" not in page.text
