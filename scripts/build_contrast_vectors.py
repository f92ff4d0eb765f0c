#!/usr/bin/env python3
"""Encode the packaged contrast passages with the default embedding model and ship the vectors.

The contrast passages (`src/essbot/answer/data/contrast.jsonl`) describe subjects the documents do not cover; the
abstention check compares a question with them (`essbot.answer.contrast`). Encoding 120 passages takes about ten
seconds on two cores, so the default model's vectors ship with the package, named after the model and the texts'
hash: edit a passage, run this script, commit the new `.npy` (the old one is removed). A test fails while they
disagree.

Usage: python scripts/build_contrast_vectors.py
"""

from __future__ import annotations

import sys

import numpy as np

from essbot.answer.contrast import DATA, DEFAULT_CONTRAST, load_passages, vectors_file
from essbot.config import Settings
from essbot.index.embeddings import create_embedding


def main() -> int:
    embedding = create_embedding(Settings())
    texts = [row["text"] for row in load_passages(DEFAULT_CONTRAST)]
    target = vectors_file(embedding.model_id, texts)
    for stale in DATA.glob("contrast-*.npy"):
        if stale != target:
            stale.unlink()
    np.save(target, embedding.encode_passages(texts).astype(np.float32))
    shown = target.relative_to(DATA.parents[3])
    print(f"{len(texts)} passages encodés avec {embedding.model_id} : {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
