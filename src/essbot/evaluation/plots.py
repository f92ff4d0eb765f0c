"""Report figures drawn with matplotlib (Agg, no display) and returned as self-contained <img> tags."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from essbot.evaluation.results import QuestionResult

_ANSWERED, _ABSTAINED = "#2b6cb0", "#dd6b20"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "essbot",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return plt


def _to_img(figure: Any, alt: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    _pyplot().close(figure)
    data = base64.b64encode(buffer.getvalue().encode("utf-8")).decode("ascii")
    return f'<img class="plot" alt="{alt}" src="data:image/svg+xml;base64,{data}">'


def hit_curve_plot(curves: Mapping[str, Sequence[float]]) -> str:
    """hit@k for k = 1..10, one line per configuration."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5.2, 3.2))
    for name, curve in curves.items():
        if curve:
            axis.plot(range(1, len(curve) + 1), curve, marker="o", label=name)
    axis.set(xlabel="k (passages)", ylabel="hit@k", ylim=(0, 1.02), title="Source attendue parmi les k premiers")
    axis.set_xticks(range(1, 11))
    axis.grid(alpha=0.3)
    if len(curves) > 1:
        axis.legend(fontsize=8)
    return _to_img(figure, "Courbe hit@k")


def _histogram(axis: Any, groups: Mapping[str, tuple[list[float], str]], threshold: float | None) -> None:
    values = [v for data, _ in groups.values() for v in data]
    if not values:
        axis.text(0.5, 0.5, "aucune donnée", ha="center", transform=axis.transAxes)
        return
    low, high = min(values), max(values)
    bins = [low + (high - low) * i / 20 for i in range(21)] if high > low else 10
    for label, (data, color) in groups.items():
        if data:
            axis.hist(data, bins=bins, alpha=0.6, color=color, label=f"{label} ({len(data)})")
    if threshold is not None and low <= threshold <= high + 0.05:  # a disabled threshold (-1) is not drawn
        axis.axvline(threshold, color="black", linestyle="--", linewidth=1, label=f"seuil {threshold:g}")
    axis.legend(fontsize=8)


def score_distribution_plot(results: Sequence[QuestionResult], dense_threshold: float | None) -> str:
    """Best dense similarity of each question: answered vs abstained, and answerable vs unanswerable."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2), sharex=True)
    rows = [r for r in results if r.top_dense is not None]
    _histogram(
        left,
        {
            "répondu": ([r.top_dense for r in rows if not r.abstained], _ANSWERED),  # type: ignore[misc]
            "abstention": ([r.top_dense for r in rows if r.abstained], _ABSTAINED),  # type: ignore[misc]
        },
        dense_threshold,
    )
    left.set(title="Selon la décision d'essbot", xlabel="similarité dense maximale", ylabel="questions")
    _histogram(
        right,
        {
            "avec réponse": ([r.top_dense for r in rows if r.answerable], _ANSWERED),  # type: ignore[misc]
            "sans réponse": ([r.top_dense for r in rows if not r.answerable], _ABSTAINED),  # type: ignore[misc]
        },
        dense_threshold,
    )
    right.set(title="Selon le jeu de référence", xlabel="similarité dense maximale")
    return _to_img(figure, "Distribution des scores, réponses et abstentions")


def latency_plot(latencies: Sequence[float], p50: float | None, p95: float | None) -> str:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5.2, 3.2))
    if latencies:
        top = max(latencies)
        bins = [top * i / 30 for i in range(31)] if top > 0 else 10
        axis.hist(latencies, bins=bins, color="#4a5568")
    for value, label, style in ((p50, "p50", "--"), (p95, "p95", ":")):
        if value is not None:
            axis.axvline(value, color="#c53030", linestyle=style, label=f"{label} = {value:.0f} ms")
    axis.set(xlabel="latence totale (ms)", ylabel="questions", title="Latence par question")
    axis.legend(fontsize=8)
    return _to_img(figure, "Histogramme des latences")


def by_kind_plot(by_kind: Mapping[str, Mapping[str, Any]]) -> str:
    """Main scores per question kind, side by side."""
    plt = _pyplot()
    names = {
        "hit@5": "hit@5",
        "keyword_recall": "mots-clés",
        "citation_precision": "précision citations",
        "abstention_accuracy": "abstention exacte",
    }
    kinds = list(by_kind)
    figure, axis = plt.subplots(figsize=(10, 3.2))
    width = 0.8 / len(names)
    for i, (key, label) in enumerate(names.items()):
        values = [by_kind[kind].get(key) for kind in kinds]
        positions = [k + i * width for k in range(len(kinds))]
        heights = [0.0 if v is None or math.isnan(v) else v for v in values]
        axis.bar(positions, heights, width=width, label=label)
    axis.set_xticks([k + 0.4 - width / 2 for k in range(len(kinds))])
    axis.set_xticklabels([f"{kind}\n({by_kind[kind]['questions']})" for kind in kinds])
    axis.set(ylim=(0, 1.05), title="Scores par type de question")
    axis.legend(fontsize=8, ncols=4, loc="lower center", bbox_to_anchor=(0.5, -0.42))
    return _to_img(figure, "Scores par type de question")


def comparison_plot(totals: Mapping[str, Mapping[str, Any]], keys: Sequence[str]) -> str:
    """Grouped bars: a few 0–1 metrics for each configuration."""
    plt = _pyplot()
    names = list(totals)
    figure, axis = plt.subplots(figsize=(10, 3.4))
    width = 0.8 / max(len(keys), 1)
    for i, key in enumerate(keys):
        heights = [float(totals[name].get(key) or 0.0) for name in names]
        axis.bar([n + i * width for n in range(len(names))], heights, width=width, label=key)
    axis.set_xticks([n + 0.4 - width / 2 for n in range(len(names))])
    axis.set_xticklabels(names)
    axis.set(ylim=(0, 1.05), title="Comparaison des configurations")
    axis.legend(fontsize=8, ncols=len(keys), loc="lower center", bbox_to_anchor=(0.5, -0.3))
    return _to_img(figure, "Comparaison des configurations")
