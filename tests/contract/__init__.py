"""The adapter contract (broadcaster/adapter.py), checked against every shipped adapter."""
