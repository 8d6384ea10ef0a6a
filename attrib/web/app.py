"""attrib's web page and HTTP API, on FastAPI.

:func:`create_app` builds the application over any store. Routes:

* ``GET /`` -- the page (``static/``: plain HTML, CSS and JavaScript, no build step);
* ``POST /api/attribute`` -- code in, report schema v1 out (:func:`attrib.scan.scan_text`,
  judged as ``attrib scan`` judges);
* ``GET /api/search`` -- full-text search over the indexed code, with language and
  license filters and highlighted snippets;
* ``GET /api/source`` -- lines of an indexed file (the page's side-by-side view);
* ``GET /api/stats`` -- what the index holds;
* ``GET /healthz`` -- liveness and whether the index answers;
* ``GET /openapi.json`` and ``/docs`` -- the generated API description.

Safety: the API is read-only; request bodies over ``max_bytes`` get a 413 before they
are read; a query that runs longer than ``timeout`` seconds gets a 503; with an
``api_key`` every ``/api/`` route needs it (``X-API-Key`` or ``Authorization: Bearer``);
no CORS unless ``cors_origins`` are given; the page is served with a strict Content
Security Policy, and it renders every indexed string as text.
"""
from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from attrib import __version__
from attrib.errors import AttribError, StoreError
from attrib.formats.json import report_dict
from attrib.judge import Judge
from attrib.languages import from_path, from_text
from attrib.licenses import describe
from attrib.scan import scan_text
from attrib.store import Store

STATIC = Path(__file__).parent / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class AttributeRequest(BaseModel):
    """Code to attribute."""

    code: str = Field(description="The code, as text.")
    lang: str | None = Field(None, max_length=64, description="The Stack language name (e.g. Python); "
                                                              "default: from path, else detected from the code.")
    path: str | None = Field(None, max_length=512, description="A file name, shown in the report and used to "
                                                               "guess the language.")


class Snippet(BaseModel):
    line: int
    text: str
    highlights: list[tuple[int, int]]


class SearchHit(BaseModel):
    repo: str
    path: str
    commit: str
    url: str
    lang: str | None
    licenses: list[str]
    license_category: str
    snippets: list[Snippet]


class SearchResponse(BaseModel):
    query: str
    hits: list[SearchHit]


class SourceLines(BaseModel):
    sha: str
    start_line: int
    end_line: int
    text: str


class Health(BaseModel):
    status: str
    index: str | None = None
    files: int | None = None
    version: str = __version__


class Settings(BaseModel):
    """How the server behaves (``attrib serve`` options)."""

    api_key: str | None = None
    cors_origins: list[str] = []
    max_bytes: int = 1_000_000
    timeout: float = 10.0
    max_search_results: int = 50


def create_app(open_store: Callable[[], Store], settings: Settings = Settings(), judge: Judge = Judge()) -> FastAPI:
    """The application. ``open_store`` opens the index; each worker thread keeps its own.
    ``judge`` gives the verdicts (the project's policy and notice files, as ``attrib
    scan`` in the same directory would)."""
    app = FastAPI(title="attrib", version=__version__,
                  description="Find where code came from, and under what license. The page at / uses this API.")
    local = threading.local()
    limiter = anyio.CapacityLimiter(4)  # queries at once; the others wait their turn

    def store() -> Store:
        s = getattr(local, "store", None)
        if s is None:
            s = local.store = open_store()
        return s

    async def run(fn: Callable[[], Any]) -> Any:
        """Run a store query on a worker thread, within the time limit."""
        try:
            with anyio.fail_after(settings.timeout):
                return await anyio.to_thread.run_sync(fn, limiter=limiter, abandon_on_cancel=True)
        except TimeoutError:
            raise HTTPException(503, f"the query took longer than {settings.timeout:g} s; try less code") from None
        except AttribError as e:
            raise HTTPException(_status_of(e), str(e)) from None

    def check_key(request: Request) -> None:
        if settings.api_key is None:
            return
        given = request.headers.get("x-api-key") or ""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = given or auth[7:]
        if not hmac.compare_digest(given.encode(), settings.api_key.encode()):
            raise HTTPException(401, "this index needs an API key (X-API-Key header)",
                                headers={"WWW-Authenticate": "Bearer"})

    keyed = [Depends(check_key)]

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        if request.url.path == "/" or request.url.path.startswith("/static/"):
            response.headers.update(PAGE_HEADERS)
        else:
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    app.add_middleware(BodyLimit, max_bytes=settings.max_bytes)

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-API-Key", "Authorization"])

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz() -> Any:
        """Liveness: 200 when the index answers, 503 when it does not."""
        try:
            stats = await run(lambda: store().stats())
        except HTTPException as e:
            return JSONResponse({"status": "unavailable", "detail": e.detail, "version": __version__},
                                status_code=503)
        return Health(status="ok", index=stats.name, files=stats.files)

    @app.post("/api/attribute", dependencies=keyed, tags=["attribution"],
              responses={413: {"description": "Body too large"}, 503: {"description": "Took too long"}})
    async def api_attribute(body: AttributeRequest) -> dict[str, Any]:
        """Every span of ``code`` found in the index, as a report (schema version 1)."""
        if "\0" in body.code:
            raise HTTPException(422, "the code contains NUL bytes: binary data cannot be attributed")
        lang = body.lang or from_path(body.path) or from_text(body.code)

        def work() -> dict[str, Any]:
            return report_dict(scan_text(body.code, store(), judge.policy, notices=judge.notices, path=body.path,
                                         lang=lang))

        return await run(work)

    @app.get("/api/search", dependencies=keyed, response_model=SearchResponse, tags=["search"])
    async def api_search(q: Annotated[str, Query(min_length=1, max_length=200, description="Words to find.")],
                         lang: Annotated[str | None, Query(max_length=64)] = None,
                         license: Annotated[str | None, Query(max_length=128)] = None,
                         limit: Annotated[int, Query(ge=1, le=50)] = 20) -> Any:
        """Indexed files holding all of the words of ``q``, best first, with highlighted lines."""
        hits = await run(lambda: store().search(q, lang=lang, license=license,
                                                limit=min(limit, settings.max_search_results)))
        out = []
        for h in hits:
            info = describe(h.licenses)
            out.append(SearchHit(repo=h.repo, path=h.path, commit=h.commit, url=h.url, lang=h.lang,
                                 licenses=list(info.ids), license_category=info.category,
                                 snippets=[Snippet(**asdict(s)) for s in h.snippets]))
        return SearchResponse(query=q, hits=out)

    @app.get("/api/source", dependencies=keyed, response_model=SourceLines, tags=["search"])
    async def api_source(sha: Annotated[str, Query(pattern="^[0-9a-f]{40}$")],
                         start: Annotated[int, Query(ge=1)] = 1,
                         end: Annotated[int | None, Query(ge=1)] = None) -> Any:
        """Lines ``start..end`` (1-based, inclusive; with 5 lines of context) of an indexed file."""
        content = await run(lambda: store().content(sha))
        if content is None:
            raise HTTPException(404, f"no indexed file with sha {sha}")
        lines = content.split("\n")
        first = max(1, start - 5)
        last = min(len(lines), (end or start) + 5)
        return SourceLines(sha=sha, start_line=first, end_line=last, text="\n".join(lines[first - 1:last]))

    @app.get("/api/stats", dependencies=keyed, tags=["service"])
    async def api_stats() -> dict[str, Any]:
        """Files, repositories, languages, licenses and their categories, fingerprint parameters."""
        stats = await run(lambda: store().stats())
        categories: dict[str, int] = {}
        for spdx, n in stats.licenses.items():
            cat = describe([spdx] if spdx != "(none)" else []).category
            categories[cat] = categories.get(cat, 0) + n
        return {**asdict(stats), "license_categories": categories}

    return app


def _status_of(error: AttribError) -> int:
    """HTTP status of an attrib error: the index failing is 503, bad input 422."""
    return 503 if isinstance(error, StoreError) else 422


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets 413, whether it announces
    its length (refused before it is read) or not (refused once too much has arrived)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(send)
            return
        seen, started, refused = 0, False, False

        async def limited_receive() -> dict:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        await self._refuse(send)
                    return {"type": "http.disconnect"}  # the application stops reading
            return message

        async def tracked_send(message: dict) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Any) -> None:
        response = JSONResponse({"detail": f"request body over {self.max_bytes:,} bytes"}, status_code=413)
        await response({"type": "http"}, _nothing_to_receive, send)


async def _nothing_to_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}
