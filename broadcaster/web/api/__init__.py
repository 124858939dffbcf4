"""The JSON API under ``/api/v1`` (OpenAPI: ``/api/v1/openapi.json``, docs: ``/api/v1/docs``)."""
