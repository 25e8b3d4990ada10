"""What every command shares: the API instance and JSON printing."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.api import ReviewAssistant


def assistant() -> ReviewAssistant:
    return ReviewAssistant()


def print_json(model: BaseModel) -> None:
    print(model.model_dump_json(indent=2))
