"""The lexical side: jieba words plus character bigrams, scored with BM25.

jieba sits behind one :class:`Tokenizer` per index (its own user words, nothing process-global
changed). Bigrams back it up where jieba splits a term wrongly
(a new policy phrase, a place it does not know); figures such as "8.2%" and "521台" are kept as
single tokens so a question quoting a number matches it exactly.
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import warnings
from array import array
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from .lexicon import CJK_WORD

# Bump LEXICAL_VERSION (in rag/manifest.py) when tokenisation changes: an index's BM25 data is only valid
# for the version that built it.
from .manifest import LEXICAL_VERSION as LEXICAL_VERSION  # defined beside the cheap index check

_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|‰|[万亿千百]?[元人户台家个项件座所公里亩吨条辆次天倍]{0,2})?")
TERM_MEMO = 100_000  # terms whose counts a BM25 or a catalogue keeps at most (ints: a few MB)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z]+")
STOPWORDS = set(
    "的 了 和 与 及 在 是 对 把 将 等 为 有 要 以 中 上 下 也 都 并 而 或 其 这 那 哪些 什么 多少 怎么 如何 "
    "吗 呢 啊 吧 年 个 方面 哪 进行 我们 一个 问题 情况 报告 政府工作报告 政府 工作 有关 关于 "
    # question words: they ask, they are not what is asked about
    "哪个 哪几个 几个 几件 几项 哪几项 各是 分别 对比 比较 是否 有没有 怎样 怎么样 为什么 上要 请问 "
    "多少亿 多少万 多少人 多大 多高".split()
)
_BASE_LOCK = threading.Lock()
_base_jieba = None  # jieba's default dictionary, loaded once per process and never given a word
_pos_tagger = None


def _base():
    """jieba's default dictionary, loaded once. Nothing is ever added to it: each :class:`Tokenizer`
    with words of its own works on a copy, so no index changes how another tokenises."""
    global _base_jieba
    with _BASE_LOCK:
        if _base_jieba is None:
            with warnings.catch_warnings():  # jieba imports pkg_resources, which warns on every start
                warnings.simplefilter("ignore")
                import jieba  # heavy: its import and dictionary cost ~1 s, paid on first tokenisation

            jieba.setLogLevel(logging.WARNING)
            base = jieba.Tokenizer()
            base.initialize()
            _base_jieba = base
        return _base_jieba


class Tokenizer:
    """The words BM25 and the question reader see: jieba with one index's own words (its places and
    quoted policy terms), figures kept whole, Latin words lower-cased.

    Each index owns one (built from the words its manifest records), so loading an index never
    changes how any other text in the process is tokenised; jieba's own default tokenizer is never
    touched. The dictionary is copied from one process-wide load (~25 ms), not read again.
    """

    def __init__(self, user_words: Iterable[str] = ()):
        self.user_words: tuple[str, ...] = tuple(dict.fromkeys(w for w in user_words if w))
        self._jieba = None
        self._lock = threading.Lock()
        self._search_words: dict[str, list[str]] = {}

    def _tokenizer(self):
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    base = _base()
                    if not self.user_words:
                        self._jieba = base  # only read from, like every other use of it
                    else:
                        own = type(base)()
                        own.FREQ, own.total, own.initialized = dict(base.FREQ), base.total, True
                        for word in self.user_words:
                            own.add_word(word, freq=20000)
                        self._jieba = own
        return self._jieba

    def tokenize(self, text: str) -> list[str]:
        """Words for BM25: jieba words of Chinese runs, whole figures, lower-case Latin words."""
        tokens: list[str] = []
        pos = 0
        text = text or ""
        for m in _NUMBER.finditer(text):
            tokens += self._words(text[pos : m.start()])
            tokens.append(m.group())
            pos = m.end()
        tokens += self._words(text[pos:])
        return [t for t in tokens if t not in STOPWORDS]

    def terms(self, text: str) -> list[str]:
        """Both fields in one bag: words as they are, bigrams prefixed so they never collide with words."""
        return self.tokenize(text) + ["§" + b for b in bigrams(text)]

    def segment(self, text: str) -> list[str]:
        """jieba's words of a text, nothing dropped (for word boundaries, not for search)."""
        return [w for w in self._tokenizer().lcut(text or "", HMM=True) if w]

    def segment_for_search(self, text: str) -> list[str]:
        """jieba's search-mode words: a compound and the shorter words inside it (粮食产量 → 粮食, 产量, 粮食产量)."""
        found = self._search_words.get(text)
        if found is None:
            found = [w for w in self._tokenizer().lcut_for_search(text or "") if w]
            if len(self._search_words) < 20_000:  # topic terms recur across questions; bounded
                self._search_words[text] = found
        return found

    def _words(self, text: str) -> list[str]:
        out: list[str] = []
        for m in re.finditer(r"[\u4e00-\u9fff]+|[A-Za-z]+", text):
            piece = m.group()
            if piece[0].isascii():
                out.append(piece.lower())
            else:
                out += [w for w in self._tokenizer().lcut(piece, HMM=True) if w.strip()]
        return out


PLAIN = Tokenizer()  # jieba's dictionary alone: for text that belongs to no index


@lru_cache(maxsize=1)
def dictionary_tags() -> dict[str, str]:
    """jieba's own dictionary tags by word (``ns`` = place name, ``n`` = noun …)."""
    base = _base()
    tags: dict[str, str] = {}
    with base.get_dict_file() as fh:
        for line in io.TextIOWrapper(fh, encoding="utf-8"):
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
    return tags


def place_words(text: str) -> list[str]:
    """The words jieba's part-of-speech tagger tags as place names ("ns"), in order, with repeats."""
    global _pos_tagger
    base = _base()
    with _BASE_LOCK:
        if _pos_tagger is None:
            import jieba.posseg  # with jieba, above

            _pos_tagger = jieba.posseg.POSTokenizer(base)
    return [w.word for w in _pos_tagger.cut(text) if w.flag == "ns"]


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each Chinese run (single characters for one-character runs)."""
    out = []
    for run in _CJK_RUN.findall(text or ""):
        if len(run) == 1:
            continue
        out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def corpus_user_words(texts: list[str], places: list[str]) -> list[str]:
    """Place names, plus quoted terms that recur in the corpus (“一优两高”, 新质生产力…)."""
    quoted: Counter[str] = Counter()
    for t in texts:
        for m in re.finditer(r"“([^”]{2,10})”", t):
            if not re.search(r"[，。、；：\s]", m.group(1)):
                quoted[m.group(1)] += 1
    words = set(places) | {w for w, c in quoted.items() if c >= 2}
    return sorted(words)


class BM25:
    """Okapi BM25 over a sparse document-term matrix, so a query is one column slice and a sum."""

    def __init__(self, vocab: dict[str, int], weights: sparse.csc_matrix, bigram_weight: float = 0.5):
        self.vocab = vocab
        self.weights = weights
        self.bigram_weight = bigram_weight
        # term_freq of the words asked about: an English question checks some 300 dictionary candidates
        # (and joins of two), the same ones question after question; started afresh past TERM_MEMO terms
        self._term_freq: dict[str, int] = {}

    @classmethod
    def build(cls, docs: Iterable[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        """BM25 weights of tokenised documents, counted as they come (a generator keeps one document's
        terms in memory at a time; the counts go into compact arrays, not lists)."""
        vocab: dict[str, int] = {}
        cols, vals = array("i"), array("f")
        indptr = array("q", [0])
        for doc in docs:
            for term, tf in Counter(doc).items():
                cols.append(vocab.setdefault(term, len(vocab)))
                vals.append(tf)
            indptr.append(len(cols))
        tf = sparse.csr_matrix(
            (
                np.frombuffer(vals, dtype=np.float32),
                np.frombuffer(cols, dtype=np.int32),
                np.frombuffer(indptr, dtype=np.int64),
            ),
            shape=(len(indptr) - 1, len(vocab)),
        )
        return cls.from_counts(vocab, tf, k1, b)

    @classmethod
    def from_counts(
        cls, vocab: dict[str, int], tf: sparse.csr_matrix, k1: float = 1.2, b: float = 0.75, block: int = 100_000
    ) -> BM25:
        """BM25 weights from a document-term count matrix, vectorised in row blocks (bounded memory
        at a million documents; benchmarks/bench_scale.py builds its synthetic indexes this way)."""
        tf = sparse.csr_matrix(tf, dtype=np.float32)
        n_docs = tf.shape[0]
        lengths = np.asarray(tf.sum(axis=1), dtype=np.float32).ravel()
        avg = float(lengths.mean()) if n_docs else 1.0
        df = np.bincount(tf.indices, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        w = np.empty(tf.nnz, dtype=np.float32)
        for r0 in range(0, n_docs, block):
            r1 = min(n_docs, r0 + block)
            lo, hi = tf.indptr[r0], tf.indptr[r1]
            rows = np.repeat(np.arange(r0, r1), np.diff(tf.indptr[r0 : r1 + 1]))
            data = tf.data[lo:hi]
            norm = k1 * (1 - b + b * lengths[rows] / max(avg, 1e-6))
            w[lo:hi] = idf[tf.indices[lo:hi]] * data * (k1 + 1) / (data + norm)
        weights = sparse.csr_matrix((w, tf.indices, tf.indptr), shape=tf.shape).tocsc()
        return cls(vocab, weights)

    def doc_freq(self, term: str) -> int:
        """How many passages contain a term (0 when none)."""
        j = self.vocab.get(term)
        return 0 if j is None else int(self.weights.indptr[j + 1] - self.weights.indptr[j])

    def term_freq(self, term: str) -> int:
        """Passages using a term, as a word or (for a word jieba keeps inside a longer one) as all its bigrams."""
        known = self._term_freq.get(term)
        if known is not None:
            return known
        if len(self._term_freq) > TERM_MEMO:
            self._term_freq.clear()
        n = self._term_freq[term] = self._count_term(term)
        return n

    def _count_term(self, term: str) -> int:
        df = self.doc_freq(term)
        if df or not CJK_WORD.fullmatch(term):
            return df
        grams = [self.doc_freq("§" + term[i : i + 2]) for i in range(len(term) - 1)]
        return min(grams) if all(grams) else 0

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of a term; a term no passage has gets the highest."""
        n = self.weights.shape[0]
        df = self.doc_freq(term)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def scores(self, query_terms: list[str]) -> np.ndarray:
        """BM25 score of every document; bigram matches count for less than whole-word matches."""
        n = self.weights.shape[0]
        out = np.zeros(n, dtype=np.float32)
        # a term's column read straight from the CSC arrays: scipy's getcol builds a matrix per term
        indptr, indices, data = self.weights.indptr, self.weights.indices, self.weights.data
        for term in dict.fromkeys(query_terms):
            j = self.vocab.get(term)
            if j is None:
                continue
            a, b = indptr[j], indptr[j + 1]
            factor = self.bigram_weight if term.startswith("§") else 1.0
            out[indices[a:b]] += factor * data[a:b]
        return out

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "bm25.npz", self.weights.tocsc())
        (folder / "bm25_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25:
        weights = sparse.load_npz(folder / "bm25.npz").tocsc()
        vocab = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        return cls(vocab, weights)
