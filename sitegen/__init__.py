"""sitegen: a folder of news articles in, a cross-linked entity dossier website out."""

__version__ = "0.1.0"
