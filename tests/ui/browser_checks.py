"""Helpers of the browser tests: outside requests, failed requests, axe-core and the widget's host page."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.ui.conftest import REPO

# `make axe` (run by `make test`) installs it there with npm; the folder is git-ignored.
AXE_SCRIPT = REPO / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA, the level the RGAA 4 follows.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Fading dialogs would be measured half-transparent: wait for the finite animations to end.
SETTLED = """async () => {
  const roots = [document, ...Array.from(document.querySelectorAll("*"), e => e.shadowRoot).filter(Boolean)];
  const running = roots.flatMap(r => r.getAnimations())
    .filter(a => a.effect && a.effect.getTiming().iterations !== Infinity);
  await Promise.all(running.map(a => a.finished.catch(() => null)));
}"""
# axe's target: a selector, or a list of selectors, one per shadow root crossed.
OUTER_HTML = """(target) => {
  let root = document, node = null;
  for (const selector of [].concat(...target)) {
    node = root.querySelector(selector);
    if (!node) return "";
    root = node.shadowRoot || node;
  }
  return node.outerHTML.slice(0, 600);
}"""


@dataclass
class NetworkLog:
    """Every request of a page to a host other than essbot's (loopback in the tests), and every failed one."""

    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    in_flight: set[Any] = field(default_factory=set)

    def watch(self, context: Any, *, block: bool) -> None:
        """Record outside requests of `context`; with `block`, abort them as an intranet without internet would."""

        def route(request_route: Any) -> None:
            url = request_route.request.url
            if urlsplit(url).hostname in LOCAL_HOSTS or url.startswith(("data:", "blob:")):
                request_route.continue_()
                return
            self.outside.append(url)
            if block:
                request_route.abort("blockedbyclient")
            else:
                request_route.continue_()

        def failed(request: Any) -> None:
            self.in_flight.discard(request)
            self.failed.append(f"{request.url} ({request.failure})")

        context.route("**/*", route)
        context.on("request", lambda request: self.in_flight.add(request))
        context.on("requestfinished", lambda request: self.in_flight.discard(request))
        context.on("requestfailed", failed)

    def wait_until_idle(self, page: Any, quiet_ms: int = 1000, timeout_s: float = 60.0) -> None:
        """Wait until no request has been in flight for `quiet_ms`. (Playwright's "networkidle" did not come on the
        chat page once a card's document view, a sandboxed iframe, was open, though no request was pending.)"""
        deadline = time.monotonic() + timeout_s
        quiet_since = time.monotonic()
        while (time.monotonic() - quiet_since) * 1000 < quiet_ms:
            assert time.monotonic() < deadline, f"requests still in flight: {[r.url for r in self.in_flight]}"
            page.wait_for_timeout(100)
            if self.in_flight:
                quiet_since = time.monotonic()


def axe_violations(page: Any, root: str | None = None) -> list[dict[str, Any]]:
    """axe-core's WCAG A/AA violations in the page (or under the `root` CSS selector, shadow roots included)."""
    if not AXE_SCRIPT.is_file():
        pytest.skip(f"{AXE_SCRIPT} is missing: run `make axe` (npm install --no-save axe-core)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text(encoding="utf-8"))
    page.evaluate(SETTLED)
    context = json.dumps(root) if root else "document"
    options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
    result = page.evaluate(f"async () => (await window.axe.run({context}, {options})).violations")
    return list(result)


def summarise(violations: list[dict[str, Any]]) -> list[str]:
    """One line per violation: impact, rule, count and the first offending node."""
    return [
        f"{v['impact']} {v['id']} ×{len(v['nodes'])}: {v['help']} — {v['nodes'][0]['target']} "
        f"{v['nodes'][0].get('failureSummary', '')[:200]!r}"
        for v in violations
    ]


def assert_no_serious_violations(page: Any, name: str, artifacts: Path, root: str | None = None) -> list[str]:
    """Fail on serious or critical axe-core violations; write the full list to tests/artifacts/axe-<name>.json."""
    violations = axe_violations(page, root)
    (artifacts / f"axe-{name}.json").write_text(json.dumps(violations, indent=1, ensure_ascii=False), "utf-8")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    for violation in blocking:  # the whole element, to find what to fix (axe's own excerpt is cut short)
        violation["help"] += " — " + page.evaluate(OUTER_HTML, violation["nodes"][0]["target"])
    assert not blocking, f"{name}: serious or critical accessibility violations:\n" + "\n".join(summarise(blocking))
    return summarise(violations)


# Words of chainlit's English interface that must not reach a label (aria-label, title, placeholder, alt).
ENGLISH_WORDS = re.compile(
    r"\b(close|open|copy|submit|send|stop|search|new chat|toggle|floating|sidebar|menu|upload|attach|settings|"
    r"expand|collapse|minimi[sz]e|maximi[sz]e|feedback|loading|scroll|view|larger)\b",
    re.IGNORECASE,
)
LABELS = """() => {
  const found = [];
  const visit = (root) => root.querySelectorAll("*").forEach((node) => {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      const value = node.getAttribute(name);
      if (value) found.push(value);
    }
    if (node.shadowRoot) visit(node.shadowRoot);
  });
  visit(document);
  return found;
}"""


def english_labels(page: Any) -> list[str]:
    """The labels of the page (shadow roots included) that contain an English word of chainlit's interface."""
    return sorted({label for label in page.evaluate(LABELS) if ENGLISH_WORDS.search(label)})


def wait_for_settled(answer: Any) -> None:
    """Wait until the answer is complete: its sources element and, last, the export button are under it (the
    message is rendered again when they arrive, which would close a card opened meanwhile)."""
    from playwright.sync_api import expect as playwright_expect

    from essbot.ui import messages

    step = answer.locator("xpath=ancestor::div[starts-with(@id, 'step-')][1]")
    playwright_expect(step.get_by_role("button", name=messages.EXPORT_BUTTON)).to_be_visible()
    playwright_expect(answer.locator("details[data-essbot-sources]")).to_have_count(1)


def open_card(page: Any, answer: Any, number: int) -> Any:
    """Open the answer's « Sources (n) » disclosure and card `number` by clicking; the card, its preview loaded."""
    from playwright.sync_api import expect as playwright_expect

    sources = answer.locator("details[data-essbot-sources]")
    if sources.get_attribute("open") is None:
        sources.locator("> summary").click()
    playwright_expect(sources).to_have_attribute("open", "")
    card = sources.locator(f'[data-card="{number}"]')
    card.locator("> summary").click()
    playwright_expect(card).to_have_attribute("open", "")
    preview = card.locator("[data-essbot-preview]")
    playwright_expect(preview).to_be_visible()
    if preview.get_attribute("data-essbot-preview") == "pdf":
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    else:
        preview.element_handle().content_frame().wait_for_selector("#extrait")
    return card
