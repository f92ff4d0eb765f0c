"""Regression guards: every gold set's **test** split, extractive default, keeps today's figures (within 0.02).

The test splits are frozen: nothing (threshold, weight, rule, k) was chosen on them. Floors are the figures
measured on them (README, « Évaluation ») minus 0.02; when a change improves them, raise the floors. The
documents, conversations and out-of-scope sets run on the default corpus; seeds and lois on the shared texts
next to the repository (skipped with a message when absent).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.evaluation.gold import load_gold
from essbot.evaluation.runner import AssistantResponder, EvalRun, evaluate
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.retrieve import HybridRetriever
from tests.conftest import Workspace

REPO = Path(__file__).resolve().parents[2]
MARGIN = 0.02

# Test-split figures measured on 2026-12-01 (extractive generator, default settings, local store), after the audit
# of expected sources (evals/audits/2026-12-01-expected-sources.md) and the answer-sentence rules of the afternoon
# (chosen on dev: named article's opening, term headings, quantity shape, extra sentences at 0.65 of the best).
# Evening: hit@1 of follow-ups judged on the search the answer used, not the last one (conversations 0.800 -> 0.850,
# seeds 0.926 -> 0.963: a measurement fix, no answer changed); definitions answered by their term (lois 0.511 -> 0.533);
# an acronym the passages neither write nor spell out is a missing name (out-of-scope recall 0.537 -> 0.561).
# Late evening: a shape bonus (« Oui », a figure, a date) scaled by the sentence's relevance (out-of-scope recall
# 0.561 -> 0.585, documents keyword recall 0.772 -> 0.762; dev: out-of-scope 0.675 -> 0.725, nothing else moved).
# « Quel est le rôle de… ? » / « À quoi sert… ? » answered as definitions (lois keyword recall 0.533 -> 0.522; dev
# unchanged); a list's introduction keeps its items and a short lead-in its list (lois 0.522 -> 0.533; dev lois false
# abstention 11.6 % -> 9.3 %).
# Late: follow-ups made of relational nouns, a follow-up's own words, « combien de temps » as a duration
# (conversations keyword recall 0.725 -> 0.825, out-of-scope recall 0.585 -> 0.610); definitions by their subject and
# a second search asking for « définition » (documents hit@1 0.900 -> 0.890, dev unchanged); « art. 8 » matches
# « article 8 » and reference questions prefer a sentence citing a text (documents keyword recall 0.762 -> 0.772);
# a named article opens on its first part, not on a later chunk or a note citing it (lois 0.533 -> 0.556).
# 2 December: words brought to their lemma before stemming (simplemma), chosen on dev (keyword recall documents
# 0.837 -> 0.842, lois 0.791 -> 0.814, conversations 0.682 -> 0.727, seeds false abstention 4 % -> 0; out-of-scope
# recall 0.725 -> 0.650). Test, one question each way: documents hit@1 0.890 -> 0.910, abstention P / R 0.786 / 0.846
# -> 0.833 / 0.769, keyword recall 0.772 -> 0.767; out-of-scope recall 0.610 -> 0.659; lois hit@1 0.867 -> 0.844
# (false abstention 17.8 % -> 11.1 %); seeds keyword recall 0.685 -> 0.648. Floors moved to these figures.
# A reference wrapped onto its own line no longer dropped as a repeated paragraph (dev unchanged; test lois hit@1
# 0.844 -> 0.867, keyword recall 0.556 -> 0.567). A quoted glossary entry is labelled with its term (« Titre
# associatif : Obligation émise… »; dev documents keyword recall 0.852 -> 0.862; test conversations 0.825 -> 0.850).
# Later on 2 December: follow-ups opening on a connective (« Et la part de bio ? ») keep the conversation, a question
# without subject follows the context that finds its words, a past turn pointing further back is not the subject,
# and the latest question asked afresh is the context when no turn names a subject (dev seeds keyword recall 0.820
# -> 0.860, nothing else moved). Test: seeds keyword recall 0.648 -> 0.685, false abstention 7.4 % -> 0.
# « Combien de membres… ? » answered only by a figure next to the noun it counts (chosen on dev: abstention recall
# documents 0.833 -> 0.917, seeds 0.600 -> 0.800, out-of-scope 0.650 -> 0.675, nothing lost). Test: out-of-scope
# recall 0.659 -> 0.732; one documents question abstains whose answer held no expected keyword (abstention precision
# 0.833 -> 0.769, false abstention 2 % -> 3 %). Floors moved to these figures.
# Night of 2 December: passages naming the question's rare acronym (« le DIFE ») come first among the candidates,
# chosen on dev (conversations keyword recall 0.727 -> 0.773, citation precision 0.909 -> 0.938; lois abstention
# recall 0.667 -> 0.500: an unanswerable question on the ESUS approval's duration gets the transitional article 97).
# Test: documents hit@1 0.910 -> 0.920 (« RSE »), nothing else moved. Floor raised.
# Morning of 2 December, on a fresh install on another machine, before any change: documents keyword recall 0.757
# (not 0.767), lois hit@1 0.844 (not 0.867), everything else identical. Near ties between fused ranks flip with the
# floating-point rounding of the encoder; these are the figures of this machine, and the floors follow them. Then,
# chosen on dev: a list of sources goes after the other kept passages (dev: one wrong abstention answered, one hit@1),
# frequency and duration questions want « tous les trois ans » / « deux mois » (dev: two off-corpus questions abstain);
# test: lois keyword recall 0.567 -> 0.611, nothing else moved. A compound place named in parts (« Alsace-Moselle »)
# is not a missing name (dev lois keyword recall 0.814 -> 0.837; test 0.611 -> 0.633). « Quel taux / quel loyer… ? »
# ask for a figure (dev out-of-scope recall 0.700 -> 0.725; test unchanged). A sentence that does not name the rare
# acronym the conversation is about keeps 0.6 of its score (dev unchanged; test documents keyword recall 0.757 ->
# 0.762).
# Afternoon of 2 December: a question nearer to a passage on a subject the documents do not cover (team-written
# contrast passages: état civil, urbanisme, fiscalité locale, écoles, funéraire…) than to any passage of the corpus
# abstains; margin 0.02 chosen on dev (out-of-scope recall 0.725 -> 0.850, nothing lost; any margin from 0.013 to
# 0.031 gives the same dev figures). Test: out-of-scope recall 0.732 -> 0.829, lois abstention precision / recall
# 0.444 / 0.667 -> 0.545 / 1.000, nothing else moved. Floors raised, lois abstention guarded.
# Evening of 2 December: follow-up grammar, chosen on dev and on hand-tried conversations (« c'est » stands for the
# conversation's subject, formalities alone, clitics before an inverted verb, clause ellipses, comparisons in a
# conversation). Test: documents keyword recall 0.762 -> 0.772 (« Est-ce que c'est payant pour l'association ? »
# after a DLA question; hit@1 0.920 -> 0.930, the same question), nothing else moved. Floors raised.
# None: not applicable.
MEASURED: dict[str, dict[str, float | None]] = {
    "documents": {"hit@1": 0.930, "keyword_recall": 0.772, "abstention_precision": 0.769, "abstention_recall": 0.769},
    "conversations": {"hit@1": 0.850, "keyword_recall": 0.850, "abstention_precision": None, "abstention_recall": None},
    "out_of_scope": {"hit@1": None, "keyword_recall": None, "abstention_precision": None, "abstention_recall": 0.829},
    "seeds": {"hit@1": 0.963, "keyword_recall": 0.685, "abstention_precision": None, "abstention_recall": None},
    "lois": {"hit@1": 0.844, "keyword_recall": 0.633, "abstention_precision": 0.545, "abstention_recall": 1.000},
}


def _assistant(settings: Settings, embedding: EssbotEmbedding) -> Assistant:
    index = open_store(Settings(), settings.index_dir, embedding.model_id)
    return Assistant(HybridRetriever(index, embedding, settings), settings)


def _test_split(name: str, assistant: Assistant) -> EvalRun:
    items = [item for item in load_gold(REPO / "evals" / f"{name}.jsonl") if item.split == "test"]
    return evaluate(items, AssistantResponder(assistant), name)


@pytest.fixture(scope="session")
def runs(default_settings: Settings, embedding: EssbotEmbedding) -> dict[str, EvalRun]:
    default = _assistant(default_settings, embedding)
    return {name: _test_split(name, default) for name in ("documents", "conversations", "out_of_scope")}


def _check(run: EvalRun, name: str) -> None:
    failures = []
    for metric, measured in MEASURED[name].items():
        if measured is None:
            continue
        value = run.totals.get(metric)
        if value is None or value < measured - MARGIN:
            failing = ", ".join(r.id for r in run.results if r.failed)
            failures.append(f"{name} {metric} = {value} < {measured} - {MARGIN} (échecs : {failing})")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", ["documents", "conversations", "out_of_scope"])
def test_default_corpus_gold_sets_do_not_regress(runs: dict[str, EvalRun], name: str) -> None:
    _check(runs[name], name)


def test_seeds_do_not_regress(seeds_index: Workspace, embedding: EssbotEmbedding) -> None:
    _check(_test_split("seeds", _assistant(seeds_index.settings, embedding)), "seeds")


def test_law_texts_do_not_regress(laws_settings: Settings, embedding: EssbotEmbedding) -> None:
    _check(_test_split("lois", _assistant(laws_settings, embedding)), "lois")


def test_citations_are_backed_by_their_passages(runs: dict[str, EvalRun]) -> None:
    """Independent of the engine's own check: extractive sentences are found, in order, in their passages."""
    support = runs["documents"].totals["citation_support"]
    assert support is not None and support >= 0.95, support
