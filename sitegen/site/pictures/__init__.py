"""Pictures drawn at build time as inline SVG: a dossier's timeline and co-mention network.

They need no script: every mark that leads somewhere is an SVG link, each picture has a
text summary in its caption, and colours come from the stylesheet so they follow the
reader's light or dark setting and print in black and white.
"""
from .network import network_svg
from .timeline import timeline_svg

__all__ = ["network_svg", "timeline_svg"]
