"""Validate a gold question set (JSON Lines) against the corpus it is written for.

Usage:
    python evals/check_gold.py evals/documents.jsonl documents/
    python evals/check_gold.py evals/seeds.jsonl /work/shared/seeds/

Checks: every line parses; ids are unique; required fields are present and well typed;
answerable rows have at least one expected source, each source prefix matches a corpus file,
and each expected keyword occurs (case-insensitive) in at least one of those files;
unanswerable rows have no expected sources or keywords.

For a PDF, the text checked is its Markdown source (``<pdf-src>/<stem>.md``, by default the
``fiches-src`` folder next to the corpus); without one, pypdf extracts the text if installed.
HTML files are checked on their visible text. Exits 1 and prints each problem when any is found.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import unicodedata
from pathlib import Path

REQUIRED = {
    "id": str,
    "question": str,
    "history": list,
    "answerable": bool,
    "expected_sources": list,
    "expected_keywords": list,
    "reference_answer": str,
    "split": str,
}
KINDS = {"fact", "paraphrase", "multi", "followup", "elu", "unanswerable"}
TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}


def normalize(text: str) -> str:
    """Case-fold and smooth typography so that matching ignores cosmetic differences."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"\s+", " ", text)
    return text.casefold()


def html_text(raw: str) -> str:
    """Visible text of an HTML page (scripts and styles dropped, entities decoded)."""
    raw = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", raw)
    raw = re.sub(r"(?s)<[^>]+>", " ", raw)
    return html.unescape(raw)


def pdf_text(path: Path, pdf_src: Path) -> str | None:
    """Text of a PDF: its Markdown source if present, else pypdf extraction."""
    source = pdf_src / f"{path.stem}.md"
    if source.is_file():
        return source.read_text(encoding="utf-8")
    try:
        import pypdf  # optional fallback
    except ImportError:
        return None
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def load_corpus(corpus: Path, pdf_src: Path) -> tuple[dict[str, str], list[str]]:
    """Map each corpus file (path relative to the corpus folder) to its normalized text."""
    texts: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        rel = path.relative_to(corpus).as_posix()
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
        elif suffix in HTML_SUFFIXES:
            text = html_text(path.read_text(encoding="utf-8", errors="replace"))
        elif suffix == ".pdf":
            text = pdf_text(path, pdf_src)
            if text is None:
                problems.append(f"corpus: no text for {rel} (no {pdf_src / (path.stem + '.md')}, no pypdf)")
                continue
        else:
            continue  # other formats are not used by the gold sets
        texts[rel] = normalize(text)
    return texts, problems


def check_history(history: list, where: str) -> list[str]:
    problems = []
    for i, turn in enumerate(history):
        if (
            not isinstance(turn, dict)
            or turn.get("role") not in ("user", "assistant")
            or not isinstance(turn.get("content"), str)
            or not turn["content"].strip()
        ):
            problems.append(f"{where}: history[{i}] must be {{'role': 'user'|'assistant', 'content': '...'}}")
    return problems


def check_row(row: dict, where: str, texts: dict[str, str]) -> list[str]:
    problems = []
    for field, typ in REQUIRED.items():
        if field not in row:
            problems.append(f"{where}: missing field '{field}'")
        elif not isinstance(row[field], typ):
            problems.append(f"{where}: field '{field}' must be {typ.__name__}")
    if problems:
        return problems
    if not row["question"].strip():
        problems.append(f"{where}: empty question")
    if not row["reference_answer"].strip():
        problems.append(f"{where}: empty reference_answer")
    if row["split"] not in ("dev", "test"):
        problems.append(f"{where}: split must be 'dev' or 'test'")
    if "kind" in row and row["kind"] not in KINDS:
        problems.append(f"{where}: unknown kind {row['kind']!r}")
    problems += check_history(row["history"], where)
    if row.get("kind") == "followup" and not row["history"]:
        problems.append(f"{where}: followup row without history")

    sources, keywords = row["expected_sources"], row["expected_keywords"]
    if not row["answerable"]:
        if sources or keywords:
            problems.append(f"{where}: unanswerable row must have empty expected_sources and expected_keywords")
        return problems

    if not sources:
        problems.append(f"{where}: answerable row without expected_sources")
    if not 1 <= len(keywords) <= 3:
        problems.append(f"{where}: expected {1}-{3} keywords, got {len(keywords)}")
    matched: list[str] = []
    for prefix in sources:
        files = [name for name in texts if name.startswith(prefix)]
        if not files:
            problems.append(f"{where}: source prefix {prefix!r} matches no corpus file")
        matched += files
    for keyword in keywords:
        needle = normalize(str(keyword)).strip()
        if not needle:
            problems.append(f"{where}: empty keyword")
        elif matched and not any(needle in texts[name] for name in matched):
            problems.append(f"{where}: keyword {keyword!r} not found in {sorted(set(matched))}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", type=Path, help="gold set in JSON Lines")
    parser.add_argument("corpus", type=Path, help="folder of the documents the gold set is about")
    parser.add_argument(
        "--pdf-src",
        type=Path,
        default=None,
        help="folder of Markdown sources of the PDFs (default: <corpus>/../fiches-src)",
    )
    args = parser.parse_args(argv)

    pdf_src = args.pdf_src or args.corpus.resolve().parent / "fiches-src"
    texts, problems = load_corpus(args.corpus, pdf_src)
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    count = 0
    for lineno, line in enumerate(args.gold.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {lineno}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: invalid JSON ({exc})")
            continue
        if not isinstance(row, dict):
            problems.append(f"{where}: not a JSON object")
            continue
        count += 1
        row_id = row.get("id")
        if isinstance(row_id, str):
            where = f"line {lineno} ({row_id})"
            if row_id in seen:
                problems.append(f"{where}: duplicate id")
            seen.add(row_id)
        problems += check_row(row, where, texts)
        kind = str(row.get("kind", "?"))
        kinds[kind] = kinds.get(kind, 0) + 1

    summary = ", ".join(f"{k}={v}" for k, v in sorted(kinds.items()))
    print(f"{args.gold}: {count} rows ({summary}); corpus {args.corpus}: {len(texts)} files")
    for problem in problems:
        print(f"PROBLEM {problem}")
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
