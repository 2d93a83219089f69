"""The /_mock control API, its static assets (Swagger UI), the request log, fault injection and the dashboard."""
from flask import send_from_directory

from . import dashboard, fault_rules, messages, organization, request_log, test_ca, views


def init_app(app, api, swagger_ui_dir) -> None:
    # Order matters: the request log's timer starts before a fault rule can delay the request.
    request_log.init_app(app)
    fault_rules.init_app(app)
    api.register_blueprint(views.blp)
    api.register_blueprint(dashboard.blp)
    api.register_blueprint(messages.blp)
    api.register_blueprint(test_ca.blp)
    api.register_blueprint(organization.blp)

    # Swagger UI's assets come from the swagger-ui-bundle package: the machines are offline.
    @app.route("/_mock/static/swagger-ui/<path:filename>")
    def swagger_ui_asset(filename):
        return send_from_directory(swagger_ui_dir, filename)
