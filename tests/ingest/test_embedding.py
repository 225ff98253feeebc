"""The embedding stages of a build: length-sorted batches in input order, the terms that get vectors, the bars."""

from __future__ import annotations

import numpy as np

from rag.ingest.embedding import encode_sorted, select_terms, stage


def test_texts_are_encoded_longest_first_and_returned_in_input_order():
    seen: list[list[str]] = []

    def encode(batch: list[str]) -> np.ndarray:
        seen.append(batch)
        return np.array([[len(t), i] for i, t in enumerate(batch)], dtype=np.float32)

    texts = ["bb", "a", "dddd", "ccc", "eeeee"]
    out = encode_sorted(encode, texts, step=2)
    assert seen == [["eeeee", "dddd"], ["ccc", "bb"], ["a"]]
    assert out[:, 0].tolist() == [2, 1, 4, 3, 5]
    assert encode_sorted(encode, [], step=2).shape[0] == 0


def test_acronyms_get_no_vector():
    assert select_terms(["NATO", "SWP", "Der", "und", "Merz", "Waffenstillstand", "angeboten"]) == [
        "Der", "und", "Merz", "Waffenstillstand", "angeboten"]


def test_a_stage_bar_counts_to_its_total(capsys):
    with stage("Embedding things", 3, "thing", True) as bar:
        bar.update(2)
        bar.update(1)
    err = capsys.readouterr().err
    assert "Embedding things" in err and "3/3" in err and "thing/s" in err
    with stage("Silent", 3, "thing", False) as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""
