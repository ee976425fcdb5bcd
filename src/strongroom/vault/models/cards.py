"""Cards: item templates and their slots, items (cards) and their slots (the encrypted values)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from strongroom.kit.ids import new_id
from strongroom.vault.models.base import Base


class ItemTemplate(Base):
    """A card template. ``user_id`` NULL: built in (seeded by migration, seen by all); else a user's own."""

    __tablename__ = "item_templates"
    __table_args__ = (
        # Names are unique among the built-ins and within each user's own templates.
        Index(
            "uq_item_templates_builtin_name",
            "name",
            unique=True,
            sqlite_where=text("user_id IS NULL"),
            postgresql_where=text("user_id IS NULL"),
        ),
        UniqueConstraint("user_id", "name"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    slots: Mapped[list[TemplateSlot]] = relationship(
        lazy="raise", order_by="TemplateSlot.ordinal", passive_deletes=True
    )


class TemplateSlot(Base):
    """A slot every item made from the template starts with (no value)."""

    __tablename__ = "template_slots"
    __table_args__ = (UniqueConstraint("item_template_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    item_template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("item_templates.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    slot_type_name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(1000))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    ordinal: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Item(Base):
    """A user's card. ``item_template_label`` is copied from the template (templates do not change)."""

    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_user_id_id", "user_id", "id"),
        Index("ix_items_user_id_item_template_id_id", "user_id", "item_template_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_template_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("item_templates.id", ondelete="CASCADE"), index=True
    )
    item_template_label: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    slots: Mapped[list[Slot]] = relationship(lazy="raise", order_by="Slot.ordinal", passive_deletes=True)


class Slot(Base):
    """One field of a card. ``encrypted_value`` is a cryppo ``Aes256Gcm`` string (owner's DEK) or NULL.

    ``user_id`` repeats the item's owner so that ``/slots/{id}`` is one indexed lookup scoped to the caller.
    """

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("item_id", "name"),
        Index("ix_slots_user_id_id", "user_id", "id"),
        Index("ix_slots_attachment_id", "attachment_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    slot_type_name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(1000))
    encrypted_value: Mapped[str | None] = mapped_column(Text)
    ordinal: Mapped[int] = mapped_column(Integer)
    # The attachment whose file key is this slot's value (``attachment`` slots); see models/attachments.py.
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
