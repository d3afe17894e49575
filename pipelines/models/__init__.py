"""The model store: a literal registry of named models and the one object that fetches and keeps them warm."""

from pipelines.models.generative import DEFAULT_EDITOR, EDITORS, GENERATIVE, EditorSpec, GenerativeSpec
from pipelines.models.registry import DEFAULT_MODEL, REGISTRY, ModelSpec
from pipelines.models.store import ModelStore

__all__ = [
    "DEFAULT_EDITOR",
    "DEFAULT_MODEL",
    "EDITORS",
    "GENERATIVE",
    "REGISTRY",
    "EditorSpec",
    "GenerativeSpec",
    "ModelSpec",
    "ModelStore",
]
