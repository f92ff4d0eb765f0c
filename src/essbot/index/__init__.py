"""Index: embedding backends, the FAISS + BM25 store and its manifest."""
