"""The API's browsable docs (/docs): Swagger UI served from this site, not from a CDN.

FastAPI's own /docs page loads Swagger UI from a CDN (without integrity checks) and starts it
with an inline script, which the Content-Security-Policy forbids. Here the assets come from the
`fastapi-offline` package (Swagger UI 5, which reads OpenAPI 3.1) and the page starts Swagger UI
from /static/api-docs.js. ReDoc is not offered: it too would load from a CDN.
"""

from __future__ import annotations

import html
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_PATH = "/docs/assets"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}: API</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" href="{assets}/favicon.png">
</head>
<body>
  <div id="swagger-ui" data-openapi="{openapi}"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
"""


def install(api: FastAPI) -> None:
    """/docs and its assets (create the app with docs_url=None and redoc_url=None)."""
    page = PAGE.format(title=html.escape(api.title), assets=ASSETS_PATH,
                       openapi=html.escape(api.openapi_url or "/openapi.json"))
    api.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)
