"""Finding passages: bundled embeddings, Japanese BM25, chunk stores and the hybrid retriever."""
