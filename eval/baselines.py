"""What a user would build instead, over the same raw report files and the same embedding model:
the LangChain tutorial pipeline, jieba BM25, and LangChain's EnsembleRetriever of the two."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import Embeddings

from rag import EmbeddingCache


class CachedEmbeddings(Embeddings):
    """Our encoder as LangChain embeddings, with the same e5 prefixes and an on-disk cache."""

    def __init__(self, assistant):
        self.encoder = assistant.encoder
        self._cache = EmbeddingCache(
            assistant.config.cache_dir / "embeddings.sqlite",
            f"baseline|{getattr(self.encoder, 'cache_key', self.encoder.name)}",
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        found = self._cache.get_many(texts)
        missing = [t for t in dict.fromkeys(texts) if self._cache.key(t) not in found]
        for i in range(0, len(missing), 32):
            part = missing[i : i + 32]
            vecs = self.encoder.encode_passages(part)
            self._cache.put_many(part, vecs)
            for t, v in zip(part, vecs, strict=False):
                found[self._cache.key(t)] = v
        return [found[self._cache.key(t)].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.encoder.encode_queries([text])[0].tolist()


def _jieba_words(text: str) -> list[str]:
    import jieba  # heavy: ~1 s with its dictionary, only for the baselines

    return [w for w in jieba.lcut(text) if w.strip()]


def build_baselines(assistant, corpus_files: list[Path], k: int = 10) -> dict:
    """Retrievers by name, each with ``.invoke(question) -> list[Document]``."""
    # heavy (LangChain community and classic): only `rag eval --compare` builds the baselines
    from langchain_classic.retrievers import EnsembleRetriever
    from langchain_community.document_loaders import TextLoader
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = []
    for f in corpus_files:
        docs += TextLoader(str(f), encoding="utf-8").load()
    chunks = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50).split_documents(docs)
    store = FAISS.from_documents(chunks, CachedEmbeddings(assistant))
    dense = store.as_retriever(search_kwargs={"k": k})
    bm25 = BM25Retriever.from_documents(chunks, preprocess_func=_jieba_words, k=k)
    ensemble = EnsembleRetriever(retrievers=[bm25, dense], weights=[0.5, 0.5])
    return {"langchain-tutorial": dense, "bm25-jieba": bm25, "ensemble": ensemble}
