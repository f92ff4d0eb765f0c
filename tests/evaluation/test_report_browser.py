"""report.html rendered by headless Chromium: the plots load, the tables are there, the page is not blank."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from essbot.evaluation.report import write_report
from essbot.evaluation.runner import EvalRun

pytestmark = pytest.mark.slow


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium absent : installez-le (apt-get install -y chromium) pour tester le rendu de report.html")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={cwd / 'profile'}",
    ]
    return subprocess.run(base + args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_with_plots_and_table(tmp_path: Path, handmade_run: EvalRun) -> None:
    from PIL import Image

    _, html = write_report(handmade_run, tmp_path / "report")
    url = html.resolve().as_uri()
    # After scripts and layout: the DOM as the browser built it.
    dom = _run(["--virtual-time-budget=3000", "--dump-dom", url], tmp_path).stdout
    assert dom.count('class="plot"') == 4
    assert '<table id="totals">' in dom and '<table id="questions">' in dom
    assert dom.count('class="failed"') == 3
    shot = tmp_path / "report.png"
    _run([f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url], tmp_path)
    assert shot.is_file(), "no screenshot written"
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2000)
    colors: list[tuple[int, tuple[int, int, int]]] = image.getcolors(maxcolors=1 << 20) or []  # type: ignore[assignment]
    assert len(colors) > 50, "the page looks blank"
    # The plots (coloured bars and lines) are painted, not only black text on white.
    coloured = sum(count for count, (r, g, b) in colors if max(r, g, b) - min(r, g, b) > 60)
    assert coloured > 2000


def test_plots_are_loadable_images(tmp_path: Path, handmade_run: EvalRun) -> None:
    """Each inline SVG decodes and lays out: its natural width is reported by the browser."""
    _, html = write_report(handmade_run, tmp_path / "report")
    probe = tmp_path / "probe.html"
    probe.write_text(
        html.read_text(encoding="utf-8").replace(
            "</body>",
            "<script>window.addEventListener('load',function(){document.title=Array.from("
            "document.querySelectorAll('img.plot')).map(function(i){return i.naturalWidth>0?'ok':'ko'}).join(',')})"
            "</script></body>",
        ),
        encoding="utf-8",
    )
    dom = _run(["--virtual-time-budget=3000", "--dump-dom", probe.resolve().as_uri()], tmp_path).stdout
    assert "<title>ok,ok,ok,ok</title>" in dom
