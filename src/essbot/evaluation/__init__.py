"""Evaluation suite: run a gold set against an index and configuration, score it, write reports.

    from essbot.evaluation import AssistantResponder, evaluate, load_gold, write_report
    run = evaluate(load_gold(Path("evals/documents.jsonl")), AssistantResponder.open(settings))
    write_report(run, Path("evals/reports/documents"))

Metric definitions: essbot.evaluation.metrics. Command line: `essbot eval` (essbot.evaluation.commands).
"""

from essbot.evaluation.gold import GoldItem, GoldSetError, load_gold
from essbot.evaluation.report import write_report
from essbot.evaluation.results import QuestionResult, Response
from essbot.evaluation.runner import AssistantResponder, EvalRun, RetrievalResponder, evaluate

__all__ = [
    "AssistantResponder",
    "EvalRun",
    "GoldItem",
    "GoldSetError",
    "QuestionResult",
    "Response",
    "RetrievalResponder",
    "evaluate",
    "load_gold",
    "write_report",
]
