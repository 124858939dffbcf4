"""broadcaster: verified public-safety announcements fanned out to community chat groups."""

__version__ = "0.1.0"
