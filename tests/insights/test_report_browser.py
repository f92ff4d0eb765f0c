"""insights.html in headless Debian chromium: groups, weekly counts and comments render, with no request out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from essbot.cli import main
from tests.insights.conftest import COMMENT, HOSTILE, InsightsData
from tests.ui.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.slow


@pytest.fixture
def page() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="fr-FR")
        yield context.new_page()
        browser.close()


def test_report_renders_groups_weeks_and_comments_offline(
    page: Any, insights_data: InsightsData, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

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
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

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
    assert not dialogs and not outside, (dialogs, outside)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "insights-report.png"), full_page=True)
