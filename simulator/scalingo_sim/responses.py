"""Response builders with the API's content types."""

import json

from flask import Response

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":"))
    return Response(body, status=status, headers=headers, content_type=JSON_TYPE)


def text_response(text: str, status: int = 200, content_type: str = TEXT_TYPE, headers: dict | None = None) -> Response:
    return Response(text, status=status, headers=headers, content_type=content_type)


def no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
