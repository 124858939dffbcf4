"""The web dashboard, the JSON API (``/api/v1``) and the public verification page (``/v/CODE``).

Kept import-light: :mod:`broadcaster.config` imports :mod:`.settings`; the FastAPI parts live in
:mod:`.mount` and below.
"""
