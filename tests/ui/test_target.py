"""Which index a command works on: the index folder, or the PostgreSQL store named by --store / $RAG_STORE."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEEDS, FakeEmbedder, FakeUse
from rag.config import Settings
from rag.ingest.build import build_index
from rag.ui import cli
from rag.ui.target import corpus_folder, manifest_of, store_url


def test_without_seeds_a_command_uses_the_folder_its_index_was_built_from(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(SEEDS, corpus)
    build_index(corpus, index, settings=Settings(model="fake"), embedder=FakeEmbedder(), second_encoder=FakeUse())
    args = cli.build_parser().parse_args(["articles", "--index", str(index)])
    assert corpus_folder(args) == corpus  # not seeds/: `rag articles --index X` never rebuilds X from seeds/
    assert corpus_folder(cli.build_parser().parse_args(["articles", "--index", str(tmp_path / "none")])) == SEEDS
    assert corpus_folder(cli.build_parser().parse_args(["articles", "--index", str(index), "--seeds", "x"])) == Path("x")


def test_a_store_url_from_the_option_or_the_environment_names_its_own_corpus(tmp_path, pg_url, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    monkeypatch.delenv("RAG_STORE", raising=False)
    plain = cli.build_parser().parse_args(["articles"])
    assert store_url(plain) is None
    build_index(corpus, Path("unused"), settings=Settings(model="fake"), embedder=FakeEmbedder(),
                second_encoder=FakeUse(), store_url=pg_url)
    args = cli.build_parser().parse_args(["articles", "--store", pg_url])
    assert store_url(args) == pg_url and corpus_folder(args) == corpus
    assert manifest_of(args)["counts"]["articles"] == 5
    monkeypatch.setenv("RAG_STORE", pg_url)
    assert store_url(plain) == pg_url and corpus_folder(plain) == corpus
