"""``extractor review serve``: the queue in the browser, and the JSON API the pages use.

Starlette + Jinja2 templates + a little plain JavaScript (no build step).
Every request opens its own connection to the queue file; the writes are
short ``BEGIN IMMEDIATE`` transactions, so several reviewers can work at once.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from extractor.review import store
from extractor.review.store import NothingToUndo, ReviewError, StaleVersion, UnknownItem
from extractor.review.values import InvalidValue
from extractor.review.view import document_view, item_source, render_page

HERE = Path(__file__).parent
ANONYMOUS = "anonymous"  # what the log says when a script's decision names nobody
T = TypeVar("T")


class BadRequest(ReviewError):
    """A request body the API cannot use (HTTP 422)."""


def create_app(db: Path) -> Starlette:
    """The web app over the queue file ``db`` (which must exist)."""
    store.connect(db).close()  # refuse a missing or foreign file before serving anything
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    default_reviewer = _default_reviewer()

    @contextmanager
    def connection() -> Iterator[sqlite3.Connection]:
        conn = store.connect(db)
        try:
            yield conn
        finally:
            conn.close()

    async def run(work: Callable[[sqlite3.Connection], T]) -> T:
        def task() -> T:
            with connection() as conn:
                return work(conn)

        return await run_in_threadpool(task)

    # --- pages ---

    async def queue_page(request: Request) -> Response:
        filters = _filters(request)

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            docs = store.documents(conn)
            every = store.list_items(conn)
            return {
                "documents": docs,
                "items": store.list_items(conn, **filters),
                "reasons": sorted({item["reason"] for item in every}),
                "total": len(every),
                "decided": sum(item["status"] != "pending" for item in every),
            }

        context = await run(work)
        return templates.TemplateResponse(
            request, "queue.html", context | {"filters": filters, "default_reviewer": default_reviewer}
        )

    async def document_page(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        view = await run(lambda conn: document_view(conn, document_id))
        return templates.TemplateResponse(
            request, "document.html", {"view": view, "default_reviewer": default_reviewer}
        )

    async def tables_fragment(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        view = await run(lambda conn: document_view(conn, document_id))
        return templates.TemplateResponse(request, "_tables.html", {"view": view})

    async def panel_fragment(request: Request) -> Response:
        item_id = request.path_params["item_id"]

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            row = store.get_row(conn, item_id)
            view = document_view(conn, row["document_id"])
            shown = [i for i in view["items"] if i["id"] == item_id]  # empty once the item left the queue
            item = shown[0] if shown else store.item_json(row) | {"implied": None}
            doc = conn.execute("SELECT document FROM documents WHERE id = ?", (row["document_id"],)).fetchone()
            return {"item": item, "source": item_source(row, doc["document"]), "history": store.history(conn, item_id)}

        context = await run(work)
        return templates.TemplateResponse(request, "_panel.html", context | {"me": request.query_params.get("me")})

    async def page_image(request: Request) -> Response:
        item_id = request.path_params["item_id"]

        def work(conn: sqlite3.Connection) -> bytes:
            row = store.get_row(conn, item_id)
            doc = conn.execute("SELECT document FROM documents WHERE id = ?", (row["document_id"],)).fetchone()
            shown = item_source(row, doc["document"])
            if shown["kind"] != "image":
                raise UnknownItem(f"item {item_id} has no page image ({shown.get('why', shown['kind'])})")
            table_boxes = _table_boxes(Path(row["result_path"]), json.loads(row["source"]) or {})
            return render_page(doc["document"], shown["page"], shown["box"], table_boxes)

        return Response(await run(work), media_type="image/png", headers={"Cache-Control": "no-store"})

    # --- JSON API ---

    async def api_items(request: Request) -> Response:
        filters = _filters(request)
        return JSONResponse({"items": await run(lambda conn: store.list_items(conn, **filters))})

    async def api_item(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        return JSONResponse(await run(lambda conn: store.item_json(store.get_row(conn, item_id))))

    async def api_documents(request: Request) -> Response:
        return JSONResponse({"documents": await run(store.documents)})

    async def api_decision(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        body = await _json_body(request)
        version = body.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise BadRequest("'version' must be the item version the decision was made on (an integer)")
        reviewer = body.get("reviewer", ANONYMOUS)
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise BadRequest("'reviewer' must name who decides")
        reason = body.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise BadRequest("'reason' must be text")
        chosen = [name for name in ("value", "confirm", "undo") if name in body and body[name] is not False]
        if len(chosen) != 1:
            raise BadRequest('give exactly one of "value": ..., "confirm": true or "undo": true')
        who = reviewer.strip()

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            if chosen == ["undo"]:
                return store.undo(conn, item_id, version=version, reviewer=who, reason=reason)
            if chosen == ["confirm"]:
                return store.decide(conn, item_id, version=version, reviewer=who, confirm=True, reason=reason)
            return store.decide(conn, item_id, version=version, reviewer=who, value=body["value"], reason=reason)

        return JSONResponse(await run(work))

    async def api_history(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        return JSONResponse({"item": item_id, "history": await run(lambda conn: store.history(conn, item_id))})

    async def api_open(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        body = await _json_body(request)
        reviewer = body.get("reviewer")
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise BadRequest("'reviewer' must name who opens the item")
        return JSONResponse(await run(lambda conn: store.open_item(conn, item_id, reviewer.strip())))

    routes = [
        Route("/", queue_page),
        Route("/documents/{document_id:int}", document_page),
        Route("/documents/{document_id:int}/tables", tables_fragment),
        Route("/items/{item_id:int}/panel", panel_fragment),
        Route("/items/{item_id:int}/page.png", page_image),
        Route("/api/items", api_items),
        Route("/api/documents", api_documents),
        Route("/api/items/{item_id:int}", api_item),
        Route("/api/items/{item_id:int}/decision", api_decision, methods=["POST"]),
        Route("/api/items/{item_id:int}/history", api_history),
        Route("/api/items/{item_id:int}/open", api_open, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    handlers: dict[Any, Callable[..., Any]] = {
        ReviewError: _error_response,
        InvalidValue: _error_response,
    }
    return Starlette(routes=routes, exception_handlers=handlers)


def _error_response(request: Request, exc: Exception) -> Response:
    status = 400
    if isinstance(exc, UnknownItem):
        status = 404
    elif isinstance(exc, StaleVersion | NothingToUndo):
        status = 409
    elif isinstance(exc, InvalidValue | BadRequest):
        status = 422
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": str(exc)}, status_code=status)
    return HTMLResponse(f"<p class='error'>{_escape(str(exc))}</p>", status_code=status)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body must be a JSON object ({exc})") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _filters(request: Request) -> dict[str, Any]:
    query = request.query_params
    return {name: query[name] for name in ("document", "status", "reason", "key") if query.get(name)}


def _table_boxes(result_path: Path, source: dict[str, Any]) -> list[list[float]]:
    """Boxes of the other cells of the field's table on its page, so the image can zoom to the table."""
    cell, page = source.get("cell"), source.get("page")
    if not isinstance(cell, str) or not cell.startswith("table ") or not page:
        return []
    table = " ".join(cell.split()[:2])
    try:
        fields = store.read_result(result_path).get("fields", {})
    except ReviewError:
        return []
    boxes = []
    for detail in fields.values():
        other = (detail or {}).get("source") or {}
        other_cell = other.get("cell")
        if other.get("page") == page and other.get("box") and isinstance(other_cell, str):
            if " ".join(other_cell.split()[:2]) == table:
                boxes.append(other["box"])
    return boxes


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def serve(db: Path, host: str, port: int) -> None:
    import uvicorn

    app = create_app(db)
    print(f"reviewing {db} at http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
