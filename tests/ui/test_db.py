"""``rag db import``: a FAISS index copied into the PostgreSQL store as it is (``start|stop|status`` are in
tests/store/test_pglocal.py, against their own server)."""

from __future__ import annotations

import numpy as np

from rag.store.postgres import PostgresStore
from rag.ui.cli import main


def test_import_copies_a_faiss_index_without_re_embedding(seeds_store, pg_url, capsys, monkeypatch):
    monkeypatch.delenv("RAG_STORE", raising=False)
    assert main(["db", "import", "--index", str(seeds_store.index_dir)]) == 2
    assert "--store URL or RAG_STORE" in capsys.readouterr().err
    assert main(["db", "import", "--index", str(seeds_store.index_dir), "--store", pg_url]) == 0
    out = capsys.readouterr().out
    assert "generation 1" in out and pg_url.split("@")[0].split(":")[-1] not in out  # the password is masked
    store = PostgresStore.open(pg_url)
    assert store.chunks == seeds_store.chunks and store.articles == seeds_store.articles
    assert np.array_equal(store.vectors("sentences"), seeds_store.vectors("sentences"))
    assert store.manifest["counts"] == seeds_store.manifest["counts"]
    store.close()
