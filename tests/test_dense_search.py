"""Dense search above the exact-search size: IVF with the place/year filter applied inside the search.

Fast: random clustered vectors, no model. Checks what the retriever relies on at scale: only rows
the filter keeps come back, a filter keeping 1% of the rows still finds its true best rows, and the
flat index gives exactly the same answer as a brute-force scan.
"""

from __future__ import annotations

import numpy as np

from rag.index import Index, dense_index, top_k


def _index(vectors: np.ndarray, ann_threshold: int) -> Index:
    index = Index.__new__(Index)  # the dense part only: no chunks or reports are needed to search
    index.chunks = [None] * len(vectors)
    index.manifest = {}
    index.dense = dense_index(vectors, ann_threshold)
    return index


def _clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim))
    v = centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_filter_returns_only_kept_rows_and_finds_their_best():
    vectors = _clustered(5000)
    index = _index(vectors, ann_threshold=1000)
    assert type(index.dense).__name__ == "IndexIVFFlat"
    q = vectors[7]
    rows = np.arange(3, 5000, 100)  # 1% of the rows
    found, scores = index.dense_search(q, 10, rows)
    assert set(found.tolist()) <= set(rows.tolist())
    exact = rows[top_k(vectors[rows] @ q, 10)]
    assert len(set(found.tolist()) & set(exact.tolist())) >= 9
    assert np.all(np.diff(scores) <= 1e-6)  # best first


def test_ivf_all_scores_mark_unsearched_rows_below_every_found_one():
    vectors = _clustered(3000, seed=1)
    index = _index(vectors, ann_threshold=1000)
    scores = index.all_dense_scores(vectors[0], rows=np.arange(0, 3000, 2), k=50)
    found, best = index.dense_search(vectors[0], 50, np.arange(0, 3000, 2))
    assert scores.shape == (3000,) and np.allclose(scores[found], best)
    others = np.setdiff1d(np.arange(3000), found)
    assert scores[others].max() <= best.min() + 1e-6


def test_flat_search_is_exact_with_and_without_a_filter():
    vectors = _clustered(800, seed=2)
    index = _index(vectors, ann_threshold=10_000)
    q = vectors[5]
    assert np.allclose(index.all_dense_scores(q), vectors @ q, atol=1e-5)
    found, _ = index.dense_search(q, 5)
    assert found.tolist() == top_k(vectors @ q, 5).tolist()
    rows = np.arange(1, 800, 7)
    found, _ = index.dense_search(q, 5, rows)
    assert found.tolist() == rows[top_k(vectors[rows] @ q, 5)].tolist()


def test_chunk_vectors_come_back_from_the_exact_index_and_not_from_ivf():
    # a comparison reranks by closeness of passages (Retriever._agree); the approximate index keeps no
    # vectors to hand back, and the comparison then keeps its own ranking
    vectors = _clustered(2000)
    flat = _index(vectors, ann_threshold=10_000)
    assert np.allclose(flat.chunk_vectors([5, 7]), vectors[[5, 7]])
    assert _index(vectors, ann_threshold=1000).chunk_vectors([5, 7]) is None
