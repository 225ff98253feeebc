"""``rag ingest --ray``: the embedding step on a local Ray (num_cpus=2, two actors) gives the store a plain
build gives, and every process Ray started is gone afterwards."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import psutil
import pytest

from conftest import ROOT, SEEDS, FakeEmbedder, FakeUse, fake_encoders
from rag.config import Settings
from rag.ingest.build import build_index
from rag.ingest.distributed import RayEmbedding
from rag.store.postgres import PostgresStore

pytestmark = pytest.mark.slow


def test_ray_build_equals_the_plain_build_and_leaves_no_process(pg_url, seeds_store, monkeypatch):
    # local Ray workers inherit the driver's environment: this lets them import the fake encoders
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]))
    embed = RayEmbedding(None, model="fake", workers=2, make=fake_encoders)
    report = build_index(SEEDS, Path("unused"), settings=Settings(model="fake"), embedder=FakeEmbedder(),
                         second_encoder=FakeUse(), store_url=pg_url, embed=embed)
    ray = embed.report
    assert report.embedded_texts == ray.texts == len(seeds_store.chunks) + len(seeds_store.sentences)
    assert len(ray.actor_pids) == 2 and os.getpid() not in ray.actor_pids  # two actors did the work
    assert ray.actor_pids <= ray.started_pids and not ray.killed_pids
    assert not [p for p in ray.started_pids if psutil.pid_exists(p)
                and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    store = PostgresStore.open(pg_url)
    assert store.chunks == seeds_store.chunks and store.sentences == seeds_store.sentences
    for table in ("chunks", "sentences"):
        assert np.allclose(store.vectors(table), seeds_store.vectors(table), atol=1e-6)
    assert np.allclose(store.vectors("use"), seeds_store.vectors("use"), atol=1e-6)
    store.close()
