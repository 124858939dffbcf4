"""The server-rendered dashboard (Jinja2 + a little vanilla JavaScript, no build step)."""
