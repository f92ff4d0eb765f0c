"""Where chunks, their vectors and their lexical index live: one interface (`base.ChunkStore`), several backends."""
