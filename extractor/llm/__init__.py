"""The LLM fallback: one request per report section to any OpenAI-compatible endpoint.

Stages: ``sections`` (which text to send) -> ``prompts`` + ``schemas`` (the
request) -> a ``LanguageModel`` (``adapter``: instructor + openai, the only
module that imports them, lazily) -> ``grounding`` (is each number printed near
its label?) -> ``extractor.reconcile`` (merge with the parser's reading).
The pipeline calls ``extractor.reconcile.run_llm``.
"""

from extractor.llm.settings import LLMSettings
from extractor.llm.types import (
    SECTIONS,
    DocumentBudget,
    Grounding,
    LanguageModel,
    LLMField,
    RejectedValue,
    SectionRequest,
    SectionResponse,
)

__all__ = [
    "SECTIONS",
    "DocumentBudget",
    "Grounding",
    "LLMField",
    "LLMSettings",
    "LanguageModel",
    "RejectedValue",
    "SectionRequest",
    "SectionResponse",
]
