"""API errors in the platform's shape: {"error": {"code": "...", "message": "..."}}.

Codes follow the platform's numbering where it has one (1001/1002 auth, 1210/1211/1214
bad request, 1302/1303 limits); 1404, 1409, 1413 and 1507 are Clipwright's for "no such
task", "this request_id was used for another request", "body too large" and "the server's
disk is full". Raising `ApiError` in a route (or a
dependency) of `PlatformRoute` answers with that shape, and so does a full disk (507);
nothing outside these routes is touched.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from files import out_of_space

NO_KEY = "1001"
BAD_KEY = "1002"
BAD_BODY = "1210"
UNKNOWN_MODEL = "1211"
BAD_FIELD = "1214"
TOO_MANY_IN_FLIGHT = "1302"
TOO_FREQUENT = "1303"
NOT_FOUND = "1404"
REQUEST_REUSED = "1409"
TOO_LARGE = "1413"
DISK_FULL = "1507"
DISK_FULL_MESSAGE = ("the server's disk is full, so nothing was stored; try again later (whoever "
                     "runs the server has to free some space)")


class ApiError(Exception):
    """An answer other than success: HTTP status, platform code, a message for the caller."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"code": self.code, "message": self.message}},
                            status_code=self.status, headers=self.headers)


def error_schema() -> dict:
    """The error body, for the OpenAPI document."""
    return {"content": {"application/json": {"schema": {
        "type": "object",
        "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}}}}}}


ERROR_RESPONSES = {
    400: {"description": "malformed body or invalid field", **error_schema()},
    401: {"description": "missing, unknown or revoked API key", **error_schema()},
    404: {"description": "no such task for this key", **error_schema()},
    409: {"description": "the request_id was already used for a different request",
          **error_schema()},
    413: {"description": "body or image too large", **error_schema()},
    429: {"description": "rate limit or jobs-in-flight cap reached", **error_schema()},
    507: {"description": "the server's disk is full", **error_schema()},
}


class PlatformRoute(APIRoute):
    """A route whose ApiErrors become platform-shaped JSON answers."""

    def get_route_handler(self):
        handler = super().get_route_handler()

        async def answer(request):
            try:
                return await handler(request)
            except ApiError as exc:
                return exc.response()
            except Exception as exc:
                if out_of_space(exc):  # the caller can only wait; the message says so
                    return ApiError(507, DISK_FULL, DISK_FULL_MESSAGE).response()
                raise

        return answer
