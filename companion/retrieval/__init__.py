"""Knowledge retrieval: guideline files to heading-aware passages, kept up to date
incrementally in Chroma, and searched with Companion's own embedder."""

from companion.domain.passages import Passage

from .chunking import chunk_text, parse_front_matter
from .ingest import IngestError, IngestReport, default_knowledge_dir, ingest
from .search import search

__all__ = ["IngestError", "IngestReport", "Passage", "chunk_text", "default_knowledge_dir",
           "ingest", "parse_front_matter", "search"]
