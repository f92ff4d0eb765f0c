"""The insights report as a self-contained HTML page (no script, no outside host) and as a CSV file.

Every text from users or documents is HTML-escaped; the CSV neutralises cells that a spreadsheet would run
as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import TextIO

from essbot.insights import messages
from essbot.insights.report import ClosePassage, InsightsReport, Item, TopicGroup, week_start

HTML_NAME = "insights.html"
CSV_NAME = "insights.csv"

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;color:#1a202c;
max-width:1100px;padding:0 16px;line-height:1.45}h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2rem}
h3{font-size:1.05rem;margin:0 0 .3rem}table{border-collapse:collapse;font-size:.88rem;width:100%}
th,td{border:1px solid #cbd5e0;padding:4px 8px;vertical-align:top;text-align:left}th{background:#edf2f7}
td.num{text-align:right;font-variant-numeric:tabular-nums;width:8em;white-space:nowrap}.bar{display:inline-block;height:.7em;
background:#c05621;vertical-align:middle;margin-left:6px}.muted{color:#4a5568}.group{border:1px solid #cbd5e0;
border-radius:6px;padding:12px 16px;margin:16px 0}.terms{color:#4a5568;margin:0 0 .6rem}.comment{font-style:italic}
ul.passages{margin:.3rem 0;padding-left:1.2em}.excerpt{color:#4a5568;font-size:.85rem}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _reason(item: Item) -> str:
    if item.abstained and item.rated_down:
        return messages.REASON_BOTH
    return messages.REASON_ABSTAINED if item.abstained else messages.REASON_DOWN


def _channel(item: Item) -> str:
    return messages.CHANNELS.get(item.channel, item.channel)


def _passage_line(p: ClosePassage) -> str:
    section = f" — {p.section}" if p.section else ""
    page = f", p. {p.page}" if p.page else ""
    return messages.PASSAGE_LINE.format(
        source=p.source, section=section, page=page, score=f"{p.score:.2f}".replace(".", ","), count=p.count
    )


def _weeks_table(report: InsightsReport) -> Iterator[str]:
    yield f"<h2>{_e(messages.WEEKS_HEADER)}</h2>"
    peak = max((w.to_examine for w in report.weeks), default=0) or 1
    yield '<table id="weeks"><thead><tr>' + "".join(f"<th>{_e(c)}</th>" for c in messages.WEEK_COLUMNS)
    yield "</tr></thead><tbody>"
    for week in report.weeks:
        width = round(120 * week.to_examine / peak)
        yield (
            f'<tr><td>{week.monday.strftime("%d/%m/%Y")}</td><td class="num">{week.questions}</td>'
            f'<td class="num">{week.abstained}</td><td class="num">{week.rated_down}</td>'
            f'<td class="num">{week.to_examine}'
            f'<span class="bar" style="width:{width}px" aria-hidden="true"></span></td></tr>'
        )
    yield "</tbody></table>"


def _group_section(group: TopicGroup) -> Iterator[str]:
    yield f'<section class="group" id="sujet-{group.number}">'
    title = messages.GROUP_TITLE.format(number=group.number, label=f"« {group.label} »")
    yield f"<h3>{_e(title)}</h3>"
    count = messages.GROUP_COUNT.format(count=len(group.items), terms=", ".join(group.terms) or "—")
    yield f'<p class="terms">{_e(count)}</p>'
    yield '<table class="questions"><thead><tr>'
    yield "".join(f"<th>{_e(c)}</th>" for c in messages.QUESTION_COLUMNS) + "</tr></thead><tbody>"
    for item in group.items:
        yield (
            f"<tr><td>{item.asked_at.strftime('%d/%m/%Y')}</td><td>{_e(_channel(item))}</td>"
            f"<td>{_e(_reason(item))}</td><td>{_e(item.question)}</td>"
            f'<td class="comment">{_e(item.comment)}</td></tr>'
        )
    yield "</tbody></table>"
    yield f"<p><strong>{_e(messages.GROUP_PASSAGES)}</strong></p>"
    if not group.passages:
        yield f'<p class="muted">{_e(messages.GROUP_NO_PASSAGE)}</p>'
    else:
        yield '<ul class="passages">'
        for passage in group.passages:
            excerpt = f'<br><span class="excerpt">{_e(passage.excerpt)}</span>' if passage.excerpt else ""
            yield f"<li>{_e(_passage_line(passage))}{excerpt}</li>"
        yield "</ul>"
    yield "</section>"


def render_html(report: InsightsReport) -> str:
    """The whole page: summary, weekly counts, then one section per topic."""
    period = (
        messages.PERIOD_SINCE.format(since=report.since.strftime("%d/%m/%Y")) if report.since else messages.PERIOD_ALL
    )
    summary = messages.SUMMARY.format(
        questions=report.questions,
        abstained=report.abstained,
        down=report.rated_down,
        items=report.items,
        groups=len(report.groups),
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(messages.REPORT_TITLE)}</title><style>{STYLE}</style></head><body><main>",
        f"<h1>{_e(messages.REPORT_TITLE)}</h1>",
        f"<p>{_e(messages.REPORT_INTRO)}</p>",
        f'<p class="muted">{_e(period)} — '
        f"{_e(messages.GENERATED.format(when=report.generated_at.strftime('%d/%m/%Y %H:%M UTC')))}</p>",
        f'<p id="summary">{_e(summary)}</p>',
        *_weeks_table(report),
        f"<h2>{_e(messages.GROUPS_HEADER)}</h2>",
    ]
    if not report.groups:
        parts.append(f"<p>{_e(messages.NO_ITEMS)}</p>")
    for group in report.groups:
        parts.extend(_group_section(group))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv(report: InsightsReport, out: TextIO, *, excel: bool = False) -> int:
    """One row per question to examine; returns the row count."""
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\n")
    writer.writerow(messages.CSV_COLUMNS)
    for group in report.groups:
        passages = " | ".join(_passage_line(p) for p in group.passages)
        for item in group.items:
            row = [
                str(group.number),
                group.label,
                ", ".join(group.terms),
                item.asked_at.isoformat(timespec="seconds"),
                week_start(item.asked_at).isoformat(),
                _channel(item),
                _reason(item),
                item.question,
                item.comment,
                passages,
            ]
            writer.writerow([_cell(value) for value in row])
    return report.items


def write_report(report: InsightsReport, out_dir: Path, *, excel: bool = False) -> tuple[Path, Path]:
    """Write insights.html and insights.csv into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out_dir / HTML_NAME, out_dir / CSV_NAME
    html_path.write_text(render_html(report), encoding="utf-8")
    with csv_path.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as out:
        write_csv(report, out, excel=excel)
    return html_path, csv_path
