"""XML from outside, parsed with defusedxml: no entity expansion (billion laughs), no
external entities or DTDs fetched. A file that tries either is refused, not read."""
from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree

from .items import SourceError


def parse_xml(data: bytes) -> Element:
    try:
        return SafeElementTree.fromstring(data)
    except DefusedXmlException as exc:
        raise SourceError(f"refused: the XML declares entities or a DTD ({type(exc).__name__}); "
                          "export it again without them") from None
    except ParseError as exc:
        line = getattr(exc, "position", (None,))[0]
        raise SourceError(f"broken XML{f' at line {line}' if line else ''} ({exc}); "
                          "check the file is complete and well-formed") from None


def refuse_entities(data: bytes) -> None:
    """For XML another parser reads (feedparser, which copes with broken feeds): refuse
    entity declarations and DTDs, let broken markup through to that parser."""
    try:
        SafeElementTree.fromstring(data)
    except DefusedXmlException as exc:
        raise SourceError(f"refused: the XML declares entities or a DTD ({type(exc).__name__}); "
                          "export it again without them") from None
    except ParseError:
        pass
