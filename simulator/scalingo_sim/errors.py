"""Every error response of the simulator, in Scalingo's shapes."""

from typing import NoReturn, TypeVar

from flask import abort as _flask_abort

from .responses import json_response, text_response

T = TypeVar("T")
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


def found(value: T | None, resource: str) -> T:
    """The value; when it is None, stop the view with the API's 404 naming this resource."""
    if value is None:
        abort(not_found(resource))
    return value


def free_trial_exceeded():
    return error(
        402,
        "Sorry, you need to verify your account (billing profile and payment card) to create a new app",
        url="https://my.scalingo.com/apps/billing",
        name="free-trial-exceeded",
    )


def missing_param(name: str):
    """Rails' answer to a body without its root key."""
    return error(400, f"param is missing or the value is empty: {name}")


def collaborator_email_blank():
    return unprocessable({"email": ["can't be blank", "is invalid"]})


def collaborator_email_invalid():
    return unprocessable({"email": ["is invalid"]})


def collaborator_is_owner():
    return unprocessable({"email": ["is the owner of the app"]})


def collaborator_taken():
    return unprocessable({"email": ["has already been taken"]})


def collaborator_limited_not_boolean():
    return unprocessable({"is_limited": ["must be a boolean"]})


def already_collaborator(invited_email: str):
    """Accepting an invitation to an app the user already owns or works on."""
    return json_response(
        {
            "type": "already-collaborator",
            "error": f"You're already working on this app, this invitation is for {invited_email}",
        },
        400,
    )


def limited_collaborator_forbidden():
    return error(403, "Limited collaborators cannot manage the collaborators of this app")


def variables_failed(failed: list):
    """The bulk PUT's refusal: not the usual 422, a 400 listing the variables it could not save."""
    return json_response({"failed": failed}, 400)


def plan_id_required():
    return error(400, "plan_id is required")


def addon_provider_required():
    return error(400, "addon_provider_id is required")


def addon_suspended():
    return error(400, "this addon is suspended: resume it before changing its plan")


def payment_required():
    return error(
        402,
        "You need to add a payment method to your account to use this paid addon plan",
        url="https://my.scalingo.com/apps/billing",
        name="payment-method-required",
    )


def storage_error(status: int, code: str, message: str):
    """An object storage refusal (S3's XML shape), for the pre-signed source URLs."""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return text_response(body, status, content_type="application/xml")


def domain_limit(limit: int):
    """Adding a custom domain past the per-app limit (the real text is not public)."""
    return unprocessable(
        {"base": [f"an app can have at most {limit} custom domains, contact support@scalingo.com to get more"]}
    )
