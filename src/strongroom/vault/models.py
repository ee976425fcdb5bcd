"""ORM models of the Vault database."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import DeclarativeBase

from strongroom.kit.db import TYPE_ANNOTATION_MAP


class Base(DeclarativeBase):
    """Declarative base of this service: its own metadata, its own database."""

    type_annotation_map: dict[Any, Any] = TYPE_ANNOTATION_MAP
