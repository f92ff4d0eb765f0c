"""Index: embedding backends and chunk stores (the protocol, the factory `stores.open_store`, the local backend)."""
