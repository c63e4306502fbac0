"""The baseline for ``{__typename}``: a bare Starlette endpoint answering the
same JSON, served the way ``peergraph serve`` serves the API (api/cli.py:
``uvicorn.run(app, host=…, port=…, log_level="info")`` after the same
logging set-up), so the difference is what the GraphQL stack costs.

    python -m bench.raw_app --port 8001
"""

from __future__ import annotations

import argparse
import logging

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TYPENAME_BODY = {"data": {"__typename": "Query"}}


async def graphql(request: Request) -> Response:
    await request.body()  # read the request as the API does
    return JSONResponse(TYPENAME_BODY)


async def readyz(request: Request) -> Response:
    return JSONResponse({"status": "ready"})


app = Starlette(
    routes=[
        Route("/graphql", graphql, methods=["POST"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
