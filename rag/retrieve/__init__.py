"""Retrieve: a question → its query (language, names, vectors) → dense, lexical and sentence rankings → fused passages."""
