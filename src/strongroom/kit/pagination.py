"""Keyset pagination: ``per_page`` and ``next_page_after`` (the id of the last record of the previous page).

Ids are time-ordered UUIDs (:mod:`strongroom.kit.ids`), so ``WHERE id > :after ORDER BY id`` walks the
records in creation order and costs the same on the first page and the thousandth.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class PageParams:
    per_page: int
    after: uuid.UUID | None


async def _page(
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
    next_page_after: Annotated[uuid.UUID | None, Query()] = None,
) -> PageParams:
    return PageParams(per_page=per_page, after=next_page_after)


Page = Annotated[PageParams, Depends(_page)]
