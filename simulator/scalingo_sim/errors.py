"""Every error response of the simulator, in Scalingo's shapes."""

from typing import NoReturn

from flask import abort as _flask_abort

from .responses import json_response, text_response

NOT_AUTHORIZED = "You are not authorized to do this operation"


def error(status: int, text: str, **extra):
    return json_response({"error": text, **extra}, status)


def not_found(resource: str | None = None):
    if resource is None:
        return error(404, "not found")
    return json_response({"resource": resource, "error": "not found"}, 404)


def unprocessable(errors_map: dict):
    return json_response({"errors": errors_map}, 422)


def unauthorized(text: str = NOT_AUTHORIZED):
    return error(401, text)


def invalid_credentials():
    return error(401, "Invalid credentials")


def retry_later():
    """Documented 429: plain text, no Retry-After."""
    return text_response("Retry later", 429)


def html_page(status: int, reason: str):
    body = f"<html><body><h1>{status} {reason}</h1></body></html>"
    return text_response(body, status, content_type="text/html; charset=utf-8")


def app_busy(status_word: str):
    return unprocessable(
        {"app": [f"an operation is already in progress on this app ({status_word}), retry when it is done"]}
    )


def app_not_deployed():
    return unprocessable({"app": ["app is not deployed"]})


def current_name_mismatch():
    return unprocessable({"current_name": ["Provided name does not match app name"]})


def no_metrics():
    return error(404, "no metrics found")


def container_not_defined():
    return error(400, "'container' should be defined")


def invalid_size(size) -> str:
    return f"'{size}' is not a valid container size"


def bad_json(detail: str):
    return error(400, f"There was a problem in the JSON you submitted: {detail}")


def internal_error():
    return error(500, "Internal error occured, we're on it!")


def abort(response) -> NoReturn:
    """Stop the view now and answer with this response."""
    _flask_abort(response)


def free_trial_exceeded():
    return error(
        402,
        "Sorry, you need to verify your account (billing profile and payment card) to create a new app",
        url="https://my.scalingo.com/apps/billing",
        name="free-trial-exceeded",
    )


def domain_limit(limit: int):
    """Adding a custom domain past the per-app limit (the real text is not public)."""
    return unprocessable(
        {"base": [f"an app can have at most {limit} custom domains, contact support@scalingo.com to get more"]}
    )
