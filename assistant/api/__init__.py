"""The library API: the only thing the CLI, the UI and batch call."""

from .assistant import Backend, IndexResult, ReviewAssistant

__all__ = ["Backend", "IndexResult", "ReviewAssistant"]
