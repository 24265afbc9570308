"""ClusterSearch's pipeline: documents → passages → vectors and BM25 → search → answers.

This module is the public API; `service/` and the notebooks use nothing else. The
subpackages, each depending only on those before it:

    config, errors   every tuned default; the domain errors
    text             folding, stems, compounds, Länder, the term map, sentences
    documents        the corpus, extraction from files, chunking, passage text
    embedding        the `Embedder` interface, its backends, the factory
    storage          snapshots on disk (vectors, chunks, documents, BM25), the passage cache
    ingest           the write path: full builds, in-place updates, the corpus library
    retrieval        the read path: BM25, dense, the word bridge, fusion, the searcher
    answering        extractive answers with verified citations
    evaluation       search and answer figures on a gold question set

Importing this package is cheap: models load only when an embedder is created.
"""

from index.answering import Answer, AnswerCitation, Answerer
from index.config import (
    MAX_K,
    MAX_QUERY_CHARS,
    AnswerConfig,
    BridgeConfig,
    ChunkerConfig,
    FusionConfig,
    RankingConfig,
)
from index.documents import (
    FORMATS,
    LANGUAGE_CODE,
    Chunk,
    Corpus,
    Document,
    chunk_corpus,
    chunk_document,
    find_sections,
    load_corpus,
)
from index.embedding import (
    DEFAULT_MODEL,
    ST_PREFIX,
    Embedder,
    QueryMemo,
    UseEmbedder,
    load_embedder,
)
from index.errors import (
    ChunkingError,
    ClusterSearchError,
    CorpusError,
    DocumentNotFoundError,
    DocumentTooLargeError,
    EmbedderError,
    ExtractionError,
    IndexMismatchError,
    IndexNotFoundError,
    InvalidDocumentError,
    InvalidQueryError,
    UnsupportedFormatError,
)
from index.evaluation import (
    SECTIONS,
    SPLITS,
    answers_section,
    compare,
    evaluate,
    load_questions,
    out_of_domain,
)
from index.ingest import (
    CHECKPOINTS,
    BuildReport,
    Library,
    UpdateReport,
    Upload,
    build_index,
    build_snapshot,
    corpus_documents,
    validate_document_id,
)
from index.retrieval import Hit, Searcher, SearchPage
from index.storage import (
    CACHE_NAME,
    IndexManifest,
    IndexSnapshot,
    PassageCache,
    check_compatible,
    current_build,
    load_index,
    save_index,
)

__all__ = [
    "CACHE_NAME",
    "CHECKPOINTS",
    "DEFAULT_MODEL",
    "FORMATS",
    "LANGUAGE_CODE",
    "MAX_K",
    "MAX_QUERY_CHARS",
    "SECTIONS",
    "SPLITS",
    "ST_PREFIX",
    "Answer",
    "AnswerCitation",
    "AnswerConfig",
    "Answerer",
    "BridgeConfig",
    "BuildReport",
    "Chunk",
    "ChunkerConfig",
    "ChunkingError",
    "ClusterSearchError",
    "Corpus",
    "CorpusError",
    "Document",
    "DocumentNotFoundError",
    "DocumentTooLargeError",
    "Embedder",
    "EmbedderError",
    "ExtractionError",
    "FusionConfig",
    "Hit",
    "IndexManifest",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexSnapshot",
    "InvalidDocumentError",
    "InvalidQueryError",
    "Library",
    "PassageCache",
    "QueryMemo",
    "RankingConfig",
    "SearchPage",
    "Searcher",
    "UnsupportedFormatError",
    "UpdateReport",
    "Upload",
    "UseEmbedder",
    "answers_section",
    "build_index",
    "build_snapshot",
    "check_compatible",
    "chunk_corpus",
    "chunk_document",
    "compare",
    "corpus_documents",
    "current_build",
    "evaluate",
    "find_sections",
    "load_corpus",
    "load_embedder",
    "load_index",
    "load_questions",
    "out_of_domain",
    "save_index",
    "validate_document_id",
]
