"""List pages, the one way: keyset pages by id, bounded in rows and in bytes.

``per_page`` rows after ``next_page_after`` (the id of the last record of the previous page). Ids are
time-ordered UUIDs (:mod:`strongroom.kit.ids`), so ``WHERE id > :after ORDER BY id LIMIT n`` walks records in
creation order and costs the same on the first page and the thousandth.

A page also stops once its records reach ``max_page_bytes`` (setting ``STRONGROOM_MAX_PAGE_BYTES``); it then
ends early with a ``next_page_after`` cursor, and always holds at least one record. Callers that know what
their rows weigh pass ``size_of`` to :func:`cut`.

Two dependencies: :data:`Page` (the Keystore's lists: default 50, at most 200) and :data:`ListPage` (the
Vault's: default 200, at most 1000, plus the 0.9 reference client's ``per`` alias and 1-based ``page``
offset pages, which cost an OFFSET; the reference client never pages and expects to see everything).
With ``page``, a page cut short by bytes is followed with ``next_page_after``, not ``page`` + 1.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
LIST_DEFAULT_PER_PAGE = 200
LIST_MAX_PER_PAGE = 1000
MAX_PAGE = 100_000
DEFAULT_MAX_PAGE_BYTES = 4 * 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True)
class ListParams:
    """``per_page`` rows after id ``after`` (keyset), or the 1-based offset ``page`` when given; a page holds
    at most ``max_bytes`` of records (by the caller's measure), and at least one."""

    per_page: int
    after: uuid.UUID | None = None
    page: int | None = None
    max_bytes: int = DEFAULT_MAX_PAGE_BYTES


PageParams = ListParams


def _max_bytes(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "max_page_bytes", DEFAULT_MAX_PAGE_BYTES))


async def _page(
    request: Request,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
    next_page_after: Annotated[uuid.UUID | None, Query()] = None,
) -> ListParams:
    return ListParams(per_page=per_page, after=next_page_after, max_bytes=_max_bytes(request))


async def _list_params(
    request: Request,
    per_page: Annotated[int | None, Query(ge=1, le=LIST_MAX_PER_PAGE)] = None,
    next_page_after: Annotated[uuid.UUID | None, Query()] = None,
    per: Annotated[int | None, Query(ge=1, le=LIST_MAX_PER_PAGE, description="Alias of per_page")] = None,
    page: Annotated[int | None, Query(ge=1, le=MAX_PAGE, description="1-based page (offset paging)")] = None,
) -> ListParams:
    size = per_page if per_page is not None else per if per is not None else LIST_DEFAULT_PER_PAGE
    return ListParams(
        per_page=size,
        after=next_page_after,
        page=page if next_page_after is None else None,
        max_bytes=_max_bytes(request),
    )


Page = Annotated[ListParams, Depends(_page)]
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
    rows: Sequence[T],
    params: ListParams,
    id_of: Callable[[T], uuid.UUID],
    size_of: Callable[[T], int] | None = None,
) -> tuple[list[T], uuid.UUID | None]:
    """The page's rows and the ``next_page_after`` cursor (None on the last page).

    ``rows`` is what :func:`paginate` read (one extra row tells that more follow). With ``size_of``, the page
    ends before the row that would take it past ``params.max_bytes`` (the first row always stays).
    """
    page = list(rows[: params.per_page])
    more = len(rows) > params.per_page
    if size_of is not None:
        total = 0
        for index, row in enumerate(page):
            total += size_of(row)
            if total > params.max_bytes and index > 0:
                page, more = page[:index], True
                break
    return page, (id_of(page[-1]) if more and page else None)


class Meta(BaseModel):
    next_page_after: uuid.UUID | None
    per_page: int


def meta(next_after: uuid.UUID | None, params: ListParams) -> Meta:
    return Meta(next_page_after=next_after, per_page=params.per_page)
