"""report.json (one object per question plus totals) and report.html (a self-contained page with plots).

The HTML page needs no network and no other file: styles, a few lines of script and the figures (SVG as data
URIs) are inline, and every piece of user or document text is HTML-escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from essbot.evaluation import messages, plots
from essbot.evaluation.results import QuestionResult
from essbot.evaluation.runner import EvalRun

TOTAL_KEYS = (
    "questions",
    "hit@1",
    "hit@5",
    "mrr@10",
    "keyword_recall",
    "citation_precision",
    "citation_support",
    "abstention_precision",
    "abstention_recall",
    "abstention_accuracy",
    "false_abstention",
    "latency_p50_ms",
    "latency_p95_ms",
    "faithfulness",
    "answer_relevancy",
)
LLM_KEYS = ("faithfulness", "answer_relevancy")

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1a202c;max-width:1500px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #cbd5e0;padding:4px 8px;vertical-align:top}
th{background:#edf2f7;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.plots{display:flex;flex-wrap:wrap;gap:16px}.plot{max-width:100%;border:1px solid #e2e8f0;background:#fff}
tr.failed{background:#fff5f5}tr.failed td.checks{color:#c53030;font-weight:600}
.ok{color:#2f855a}.ko{color:#c53030;font-weight:600}.muted{color:#718096}.badge{border-radius:4px;padding:0 4px;
background:#feebc8;font-size:.75rem}ol,ul{margin:0;padding-left:1.2em}details summary{cursor:pointer}
#questions td{max-width:420px}.answer{white-space:pre-wrap}
"""

SCRIPT = """
function filterRows(){const only=document.getElementById('only-failed').checked;
const kind=document.getElementById('kind').value;
document.querySelectorAll('#questions tbody tr').forEach(function(row){
const show=(!only||row.classList.contains('failed'))&&(!kind||row.dataset.kind===kind);
row.style.display=show?'':'none';});}
"""


def fmt(value: Any, key: str = "") -> str:
    """A metric for display: 3 decimals for scores, whole milliseconds for latencies, « — » when undefined."""
    if value is None:
        return "—"
    if isinstance(value, int):  # bool included
        return str(value)
    if isinstance(value, float):
        return f"{value:.0f}" if key.endswith("_ms") else f"{value:.3f}"
    return escape(str(value))


def _json_default(value: Any) -> Any:
    return str(value)


def write_json(data: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n", encoding="utf-8")


def totals_table(totals: Mapping[str, Any], keys: Sequence[str] = TOTAL_KEYS) -> str:
    shown = [key for key in keys if key in totals and (totals[key] is not None or key not in LLM_KEYS)]
    rows = "".join(
        f"<tr><th>{escape(messages.METRIC_LABELS.get(key, key))}</th><td class='num'>{fmt(totals[key], key)}</td></tr>"
        for key in shown
    )
    return f'<table id="totals"><tbody>{rows}</tbody></table>'


def by_kind_table(by_kind: Mapping[str, Mapping[str, Any]]) -> str:
    keys = ("questions", "hit@1", "hit@5", "mrr@10", "keyword_recall", "citation_precision", "abstention_accuracy")
    head = "".join(f"<th>{escape(messages.METRIC_LABELS.get(k, k))}</th>" for k in keys)
    body = "".join(
        f"<tr><th>{escape(kind)}</th>" + "".join(f"<td class='num'>{fmt(tot.get(k), k)}</td>" for k in keys) + "</tr>"
        for kind, tot in by_kind.items()
    )
    return f'<table id="by-kind"><thead><tr><th>type</th>{head}</tr></thead><tbody>{body}</tbody></table>'


def _mark(ok: bool) -> str:
    return "<span class='ok'>✓</span>" if ok else "<span class='ko'>✗</span>"


def _question_cell(result: QuestionResult) -> str:
    history = ""
    if result.history:
        turns = "".join(f"<li><b>{escape(t['role'])}</b> : {escape(t['content'])}</li>" for t in result.history)
        history = f"<details><summary>historique ({len(result.history)})</summary><ul>{turns}</ul></details>"
    expected = ", ".join(escape(s) for s in result.expected_sources) or "<span class='muted'>aucune</span>"
    keywords = ", ".join(escape(k) for k in result.expected_keywords) or "—"
    reference = f"<details><summary>réponse de référence</summary>{escape(result.reference_answer)}</details>"
    status = "avec réponse" if result.answerable else "sans réponse"
    return (
        f"{escape(result.question)}{history}<div class='muted'>{status} · sources : {expected} · "
        f"mots-clés : {keywords}</div>{reference if result.reference_answer else ''}"
    )


def _answer_cell(result: QuestionResult) -> str:
    if result.answer is None:
        return "<span class='muted'>recherche seule</span>"
    badge = "<span class='badge'>abstention</span> " if result.abstained else ""
    missing = ""
    if result.missing_keywords and not result.abstained:
        missing = "<div class='ko'>absents : " + ", ".join(escape(k) for k in result.missing_keywords) + "</div>"
    return f"{badge}<div class='answer'>{escape(result.answer)}</div>{missing}"


def _citations_cell(result: QuestionResult) -> str:
    if not result.citations:
        return "—"
    items = "".join(
        f"<li>[{c['id']}] {_mark(c['expected']) if result.answerable else ''} {escape(c['source'])}"
        f"{' p. ' + str(c['page']) if c.get('page') else ''} — {escape(c.get('section') or '')}</li>"
        for c in result.citations
    )
    support = result.citation_support
    return f"<ul>{items}</ul><div class='muted'>phrases justifiées : {support[0]}/{support[1]}</div>"


def _retrieval_cell(result: QuestionResult) -> str:
    rank = "—" if result.first_hit_rank is None else str(result.first_hit_rank)
    items = "".join(
        f"<li title='{escape(p['text'])}'>{_mark(p['expected']) if result.answerable else ''} "
        f"{escape(p['source'])} — {escape(p.get('section') or '')} <span class='muted'>({p['score']:.2f}"
        f"{', dense ' + format(p['dense_score'], '.2f') if p.get('dense_score') is not None else ''})</span></li>"
        for p in result.retrieved[:5]
    )
    more = ""
    if len(result.retrieved) > 5:
        rest = "".join(
            f"<li>{escape(p['source'])} — {escape(p.get('section') or '')}</li>" for p in result.retrieved[5:]
        )
        more = f"<details><summary>rangs 6 à {len(result.retrieved)}</summary><ol start='6'>{rest}</ol></details>"
    return f"<div>1<sup>re</sup> source attendue : rang {rank}</div><ol>{items}</ol>{more}"


def _scores_cell(result: QuestionResult) -> str:
    parts = [
        ("mots-clés", result.keyword_recall),
        ("précision cit.", result.citation_precision),
        ("justification", result.support_rate),
        ("faithfulness", result.faithfulness),
        ("answer_relevancy", result.answer_relevancy),
    ]
    shown = "".join(f"<div>{label} : {fmt(value)}</div>" for label, value in parts if value is not None)
    judge = f"<div class='muted'>{escape(result.judge_error)}</div>" if result.judge_error else ""
    return f"{shown}{judge}<div class='muted'>{result.latency_ms:.0f} ms</div>"


def question_rows(results: Sequence[QuestionResult]) -> str:
    rows = []
    for result in results:
        checks = "<br>".join(escape(messages.CHECK_LABELS.get(c, c)) for c in result.failed) or "✓"
        if result.error:
            checks += f"<div class='muted'>{escape(result.error)}</div>"
        css = "failed" if result.failed else "passed"
        rows.append(
            f"<tr class='{css}' data-kind='{escape(result.kind)}' id='q-{escape(result.id)}'>"
            f"<td><b>{escape(result.id)}</b><div class='muted'>{escape(result.kind)}</div></td>"
            f"<td>{_question_cell(result)}</td><td>{_answer_cell(result)}</td><td>{_citations_cell(result)}</td>"
            f"<td>{_retrieval_cell(result)}</td><td>{_scores_cell(result)}</td><td class='checks'>{checks}</td></tr>"
        )
    return "".join(rows)


def _meta_list(meta: Mapping[str, Any]) -> str:
    flat = {k: v for k, v in meta.items() if k != "settings"}
    flat.update(meta.get("settings", {}))
    return (
        "<ul class='muted'>"
        + "".join(f"<li>{escape(str(k))} : {escape(str(v))}</li>" for k, v in flat.items())
        + "</ul>"
    )


def render_html(run: EvalRun) -> str:
    """The whole report page for one run."""
    totals = run.totals
    settings = run.meta.get("settings", {})
    figures = [
        plots.hit_curve_plot({run.name: totals.get("hit_curve") or []}),
        plots.score_distribution_plot(run.results, settings.get("abstain_min_dense")),
        plots.latency_plot(
            [r.latency_ms for r in run.results], totals.get("latency_p50_ms"), totals.get("latency_p95_ms")
        ),
        plots.by_kind_plot(run.by_kind),
    ]
    kinds = "".join(f"<option value='{escape(k)}'>{escape(k)}</option>" for k in run.by_kind)
    failures = ", ".join(
        f"{escape(messages.CHECK_LABELS.get(c, c))} : {n}" for c, n in totals.get("failures", {}).items()
    )
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>essbot — évaluation {escape(run.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style><script>{SCRIPT}</script>
</head><body>
<h1>Évaluation essbot — {escape(str(run.meta.get("gold", "")))} ({escape(run.name)})</h1>
{_meta_list(run.meta)}
<h2>Résultats globaux</h2>{totals_table(totals)}
<p>Questions en échec : {totals.get("failed_questions", 0)} / {totals.get("questions", 0)}
{"(" + failures + ")" if failures else ""}</p>
<h2>Par type de question</h2>{by_kind_table(run.by_kind)}
<h2>Graphiques</h2><div class="plots">{"".join(figures)}</div>
<h2>Détail par question</h2>
<p><label><input type="checkbox" id="only-failed" onchange="filterRows()"> seulement les questions en échec</label>
 · type : <select id="kind" onchange="filterRows()"><option value="">tous</option>{kinds}</select></p>
<table id="questions"><thead><tr><th>id</th><th>question</th><th>réponse</th><th>citations</th>
<th>passages retrouvés (5 premiers)</th><th>scores</th><th>contrôles en échec</th></tr></thead>
<tbody>{question_rows(run.results)}</tbody></table>
</body></html>
"""


def write_report(run: EvalRun, out_dir: Path) -> tuple[Path, Path]:
    """Write report.json and report.html into out_dir; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "report.html"
    write_json(run.to_dict(), json_path)
    html_path.write_text(render_html(run), encoding="utf-8")
    return json_path, html_path
