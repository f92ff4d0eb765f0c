"""Ingestion: load files, clean their text, split it into chunks, and keep the index in step."""
