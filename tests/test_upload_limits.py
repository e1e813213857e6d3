"""ui/upload_limits.py: the page's upload route takes one photo's worth per request and a few
per client per window, refused before the body is read (issue #20: five 20 MB files of any
kind in one request were all kept)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ui.upload_limits import UPLOAD_PATH, UploadLimits, limit_uploads


async def stored(request: Request) -> PlainTextResponse:
    body = await request.body()
    return PlainTextResponse(str(len(body)))


def client(limits: UploadLimits) -> httpx.AsyncClient:
    inner = Starlette(routes=[Route(UPLOAD_PATH, stored, methods=["POST"]),
                              Route("/other", stored, methods=["POST"])])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=limit_uploads(inner, limits)),
                             base_url="http://page")


LIMITS = UploadLimits(request_bytes=1000, client_bytes=2500, window_s=600)


@pytest.mark.anyio
async def test_one_request_holds_at_most_one_photos_worth():
    async with client(LIMITS) as page:
        fits = await page.post(UPLOAD_PATH, content=b"x" * 1000)
        assert (fits.status_code, fits.text) == (200, "1000")
        too_big = await page.post(UPLOAD_PATH, content=b"x" * 1001)
        assert too_big.status_code == 413 and "one photo at a time" in too_big.text
        # Other routes are not the upload route's business.
        assert (await page.post("/other", content=b"x" * 5000)).status_code == 200


@pytest.mark.anyio
async def test_a_client_has_a_budget_per_window():
    async with client(LIMITS) as page:
        for _ in range(2):
            assert (await page.post(UPLOAD_PATH, content=b"x" * 1000)).status_code == 200
        refused = await page.post(UPLOAD_PATH, content=b"x" * 600)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert (await page.post(UPLOAD_PATH, content=b"x" * 400)).status_code == 200


@pytest.mark.anyio
async def test_an_upload_must_say_its_size():
    async def chunks():
        yield b"x" * 10

    async with client(LIMITS) as page:
        answer = await page.post(UPLOAD_PATH, content=chunks())
        assert answer.status_code == 411


@pytest.fixture
def anyio_backend():
    return "asyncio"
