"""`essbot insights` in headless Debian chromium: groups, weekly counts and comments render, no request out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from essbot.cli import main
from tests.insights.conftest import COMMENT, HOSTILE, fill

pytestmark = pytest.mark.slow


def test_report_renders_groups_weeks_and_comments_offline(page: Any, tmp_path: Path, artifacts: Path) -> None:
    from playwright.sync_api import expect

    insights_data = fill(tmp_path / "data")
    out = tmp_path / "rapport"
    args = ["insights", "--db", str(insights_data.question_db), "--feedback-db", str(insights_data.feedback_db)]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output

    report_url = (out / "insights.html").resolve().as_uri()
    outside: list[str] = []

    def only_the_report(route: Any) -> None:
        if route.request.url == report_url:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_report)
    page.goto(report_url)

    expect(page.get_by_role("heading", level=1)).to_contain_text("questions sans réponse")
    groups = page.locator("section.group")
    expect(groups).to_have_count(2)
    expect(groups.nth(0).locator("h3")).to_contain_text("agrément")
    expect(groups.nth(0).locator("tbody tr")).to_have_count(4)
    expect(groups.nth(1).locator("tbody tr")).to_have_count(3)
    expect(groups.nth(0).locator(".terms")).to_contain_text("esus")
    expect(groups.nth(0).locator("ul.passages li").first).to_contain_text("fiche-agrement-esus.pdf")

    weeks = page.locator("#weeks tbody tr")
    assert weeks.count() >= 3
    cells = [[int(c) for c in weeks.nth(i).locator("td.num").all_inner_texts()] for i in range(weeks.count())]
    assert [sum(column) for column in zip(*cells, strict=True)] == [8, 5, 2, 7]  # asked, abstained, 👎, both

    expect(page.locator("td.comment", has_text=COMMENT)).to_have_count(1)
    expect(page.locator("td", has_text="<script>alert('x')</script>")).to_have_count(1)  # shown as text
    expect(
        page.locator("td", has_text=HOSTILE.split("</script> ")[1].replace("<b>", "").replace("</b>", ""))
    ).to_have_count(0)
    assert page.evaluate("document.querySelectorAll('script, b, img').length") == 0
    assert not outside, outside  # (a script's alert() would fail the page fixture)

    page.screenshot(path=str(artifacts / "insights-report.png"), full_page=True)
