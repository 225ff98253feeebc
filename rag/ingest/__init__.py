"""Ingest: source files → ``Article`` (one loader per format) → passages and sentences → vectors → a store."""
