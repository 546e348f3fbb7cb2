"""Environment variables of apps: {"id", "name", "value"} dicts on App.variables, in creation order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Part, new_hex_id, stable_hex_id

if TYPE_CHECKING:
    from .apps import App


class Variables(Part):
    @staticmethod
    def find_variable(app: App, name: str) -> dict | None:
        return next((v for v in app.variables if v["name"] == name), None)

    @staticmethod
    def variable_by_id(app: App, variable_id: str) -> dict | None:
        return next((v for v in app.variables if v["id"] == variable_id), None)

    def listed_variables(self, app: App) -> list[dict]:
        """The app's own variables, then those its addons injected (as Scalingo lists them), unless shadowed."""
        with self.lock:
            injected = [
                {"id": stable_hex_id(app.id, "variable", name), "name": name, "value": value}
                for name, value in self.addon_variables(app)
                if self.find_variable(app, name) is None
            ]
            return app.variables + injected

    def upsert_variable(self, app: App, name: str, value: str) -> tuple[dict, bool]:
        """(variable, created): a name that exists gets the new value."""
        with self.lock:
            variable = self.find_variable(app, name)
            if variable is not None:
                variable["value"] = value
                return variable, False
            variable = {"id": new_hex_id(), "name": name, "value": value}
            app.variables.append(variable)
            return variable, True

    def set_variable_value(self, variable: dict, value: str) -> None:
        with self.lock:
            variable["value"] = value

    def remove_variables(self, app: App, ids: list[str]) -> None:
        """Ids that are not the app's variables are ignored."""
        with self.lock:
            app.variables = [v for v in app.variables if v["id"] not in ids]
