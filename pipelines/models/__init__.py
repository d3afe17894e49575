"""The model store: a literal registry of named models and the one object that fetches and keeps them warm."""

from pipelines.models.registry import DEFAULT_MODEL, REGISTRY, ModelSpec
from pipelines.models.store import ModelStore

__all__ = ["DEFAULT_MODEL", "REGISTRY", "ModelSpec", "ModelStore"]
