"""List parameters of the Vault: keyset pages (``per_page``, ``next_page_after``) plus the reference client's
``per`` (alias of ``per_page``) and ``page`` (1-based offset pages).

Ids are time-ordered UUIDs, so ``WHERE id > :after ORDER BY id LIMIT n`` costs the same on every page. The
``page`` form exists only because the 0.9 reference client sends it; it costs an OFFSET. The default page is
large (the reference client never pages and expects to see everything).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

DEFAULT_PER_PAGE = 200
MAX_PER_PAGE = 1000
MAX_PAGE = 100_000

T = TypeVar("T")


@dataclass(frozen=True)
class ListParams:
    """``per_page`` rows after id ``after`` (keyset), or the 1-based offset ``page`` when given."""

    per_page: int
    after: uuid.UUID | None = None
    page: int | None = None


def _list_params(
    per_page: Annotated[int | None, Query(ge=1, le=MAX_PER_PAGE)] = None,
    next_page_after: Annotated[uuid.UUID | None, Query()] = None,
    per: Annotated[int | None, Query(ge=1, le=MAX_PER_PAGE, description="Alias of per_page")] = None,
    page: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="1-based page (offset paging)")] = None,
) -> ListParams:
    size = per_page if per_page is not None else per if per is not None else DEFAULT_PER_PAGE
    return ListParams(per_page=size, after=next_page_after, page=page if next_page_after is None else None)


ListPage = Annotated[ListParams, Depends(_list_params)]


def paginate(
    stmt: Select[Any], id_column: InstrumentedAttribute[uuid.UUID], params: ListParams
) -> Select[Any]:
    """``stmt`` ordered by ``id_column`` and cut to one page, plus one row to tell whether more follow."""
    stmt = stmt.order_by(id_column)
    if params.after is not None:
        stmt = stmt.where(id_column > params.after)
    elif params.page is not None:
        stmt = stmt.offset((params.page - 1) * params.per_page)
    return stmt.limit(params.per_page + 1)


def cut(
    rows: Sequence[T], params: ListParams, id_of: Callable[[T], uuid.UUID]
) -> tuple[list[T], uuid.UUID | None]:
    """The page's rows and the ``next_page_after`` cursor (None on the last page)."""
    page = list(rows[: params.per_page])
    more = len(rows) > params.per_page
    return page, (id_of(page[-1]) if more and page else None)


class Meta(BaseModel):
    next_page_after: uuid.UUID | None
    per_page: int


def meta(next_after: uuid.UUID | None, params: ListParams) -> Meta:
    return Meta(next_page_after=next_after, per_page=params.per_page)
