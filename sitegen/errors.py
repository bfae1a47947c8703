"""The errors sitegen reports to users. Each carries a message a user can act on."""
from __future__ import annotations


class SitegenError(Exception):
    """Base class: a problem the user can fix. ``exit_code`` is what the CLI returns."""

    exit_code = 2


class ConfigError(SitegenError):
    """sitegen.toml cannot be used."""


class SiteDirError(SitegenError):
    """The site folder is missing or holds no articles folder."""


class ModelError(SitegenError):
    """The spaCy pipeline cannot be loaded."""


class OutputError(SitegenError):
    """The output folder cannot be written safely."""
