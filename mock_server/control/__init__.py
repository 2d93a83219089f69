"""The /_mock control API, its static assets (Swagger UI), and the dashboard."""
from flask import send_from_directory

from . import views


def init_app(app, api, swagger_ui_dir) -> None:
    api.register_blueprint(views.blp)

    # Swagger UI's assets come from the swagger-ui-bundle package: the machines are offline.
    @app.route("/_mock/static/swagger-ui/<path:filename>")
    def swagger_ui_asset(filename):
        return send_from_directory(swagger_ui_dir, filename)
