"""Flask application factory."""

from flask import Flask, current_app
from werkzeug.exceptions import HTTPException

from . import (
    addons,
    admin,
    alerts,
    apps,
    auth,
    autoscalers,
    collaborators,
    deployments,
    domains,
    drains,
    errors,
    events,
    formation,
    info,
    middleware,
    notifiers,
    scm,
    variables,
    wiring_admin,
)
from .attach import AttachListener
from .db_api import DATABASE_APP, DATABASE_EXTENSION, DatabaseListener, create_database_app
from .db_api import admin_bp as database_admin_bp
from .db_api import token_bp as database_token_bp
from .state import State
from .trap import Trap
from .web import ATTACH_EXTENSION, EXTENSION, TRAP_EXTENSION


def create_app(config: dict | None = None) -> Flask:
    """config keys: tokens (list of API tokens of the default user),
    operation_duration (s), bearer_ttl (s), trap (true: start the trap
    listener), attach (true: start the attach listener), database (true:
    serve the database API on its own listener); stop the listeners with
    close_trap(app). The database API's Flask app is app.extensions[DATABASE_APP]
    either way (for a test client)."""
    config = config or {}
    app = Flask(__name__)
    state = app.extensions[EXTENSION] = State(
        tokens=config.get("tokens"),
        operation_duration=config.get("operation_duration", 2.0),
        bearer_ttl=config.get("bearer_ttl", 3600),
    )
    if config.get("trap"):
        app.extensions[TRAP_EXTENSION] = Trap(state.log_trap_request)
    if config.get("attach"):
        app.extensions[ATTACH_EXTENSION] = AttachListener(state)
    app.extensions[DATABASE_APP] = create_database_app(state)
    if config.get("database"):
        app.extensions[DATABASE_EXTENSION] = DatabaseListener(app.extensions[DATABASE_APP])
    for blueprint in (
        auth.bp,
        apps.bp,
        formation.bp,
        info.bp,
        info.logs_bp,
        collaborators.bp,
        variables.bp,
        autoscalers.bp,
        domains.bp,
        admin.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(addons.bp)
    app.register_blueprint(notifiers.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(database_token_bp)
    app.register_blueprint(database_admin_bp)
    for blueprint in (deployments.bp, deployments.sources_bp, drains.bp, scm.bp, events.bp, wiring_admin.bp):
        app.register_blueprint(blueprint)
    middleware.install(app)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    return app


def close_trap(app: Flask) -> None:
    """Stop the app's trap, attach and database listeners, those it has."""
    for extension in (TRAP_EXTENSION, ATTACH_EXTENSION, DATABASE_EXTENSION):
        listener = app.extensions.pop(extension, None)
        if listener is not None:
            listener.close()


def http_error(exc: HTTPException):
    """Unknown routes and methods answer JSON like the rest of the API."""
    if exc.code == 404:
        return errors.not_found()
    return errors.error(exc.code or 500, (exc.name or "error").lower())


def unexpected_error(exc: Exception):
    current_app.logger.exception("unexpected error", exc_info=exc)
    return errors.internal_error()
