"""ClusterSearch's pipeline: documents → passages → vectors and BM25 → search → answers.

This module is the public API; `service/` and the notebooks use nothing else. The
subpackages, each depending only on those before it:

    config, errors   every tuned default; the domain errors
    text             folding, stems, compounds, Länder, the term map, sentences
    documents        the corpus, extraction from files, chunking, passage text
    embedding        the `Embedder` interface, its backends, the factory
    storage          segments on disk (vectors, chunks, documents, BM25 postings), the
                     commit naming them, merging, the passage cache
    ingest           the write path: full builds, updates that add a segment, the corpus
                     library, loading an index (postings of an older analysis made anew)
    retrieval        the read path: query analysis, BM25, dense, the word bridge, fusion
    answering        extractive answers with verified citations
    evaluation       search and answer figures on a gold question set

Importing this package is cheap: models load only when an embedder is created.
"""

from index.answering import Answer, AnswerCitation, Answerer
from index.config import (
    BACKGROUND_SWITCH_INTERVAL,
    MAX_K,
    MAX_QUERY_CHARS,
    WARM_UP_QUESTIONS,
    AnswerConfig,
    BridgeConfig,
    ChunkerConfig,
    FusionConfig,
    MergePolicy,
    RankingConfig,
)
from index.documents import (
    FORMATS,
    LANGUAGE_CODE,
    LANGUAGES,
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
    E5_MODEL,
    MODEL_SEPARATOR,
    ST_PREFIX,
    CombinedEmbedder,
    Embedder,
    QueryMemo,
    UseEmbedder,
    combined_parts,
    limit_threads,
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
    answer_sections,
    answers_section,
    compare,
    evaluate,
    faq_answers,
    load_questions,
    out_of_domain,
)
from index.ingest import (
    CHECKPOINTS,
    BuildReport,
    Library,
    ManifestStamp,
    Refusal,
    UpdateReport,
    Upload,
    build_index,
    build_snapshot,
    corpus_documents,
    load_index,
    manifest_stamp,
    request_catch_up,
    update_pending,
    validate_document_id,
    writer_active,
)
from index.retrieval import Hit, Searcher, SearchPage, StageHook
from index.storage import (
    CACHE_NAME,
    IndexManifest,
    IndexSnapshot,
    PassageCache,
    check_compatible,
    current_build,
    plan_merge,
    save_index,
)

__all__ = [
    "BACKGROUND_SWITCH_INTERVAL",
    "CACHE_NAME",
    "CHECKPOINTS",
    "DEFAULT_MODEL",
    "E5_MODEL",
    "FORMATS",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "MAX_K",
    "MAX_QUERY_CHARS",
    "MODEL_SEPARATOR",
    "SECTIONS",
    "SPLITS",
    "ST_PREFIX",
    "WARM_UP_QUESTIONS",
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
    "CombinedEmbedder",
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
    "ManifestStamp",
    "MergePolicy",
    "PassageCache",
    "QueryMemo",
    "RankingConfig",
    "Refusal",
    "SearchPage",
    "Searcher",
    "StageHook",
    "UnsupportedFormatError",
    "UpdateReport",
    "Upload",
    "UseEmbedder",
    "answer_sections",
    "answers_section",
    "build_index",
    "build_snapshot",
    "check_compatible",
    "chunk_corpus",
    "chunk_document",
    "combined_parts",
    "compare",
    "corpus_documents",
    "current_build",
    "evaluate",
    "faq_answers",
    "find_sections",
    "limit_threads",
    "load_corpus",
    "load_embedder",
    "load_index",
    "load_questions",
    "manifest_stamp",
    "out_of_domain",
    "plan_merge",
    "request_catch_up",
    "save_index",
    "update_pending",
    "validate_document_id",
    "writer_active",
]
