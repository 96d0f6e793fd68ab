"""Whether an uploaded SVG drawing could run script or load anything once opened.

A conservative read with the standard library's XML parser (expat), used by
site_core/documents/uploads.py's image check: `SVGReader().read(file)` raises `UnsafeSVG`, with the
reason in words an editor understands, or `expat.ExpatError` when the file is not XML.
"""

import re
from xml.parsers import expat

XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
# Elements that run script, show other documents or change links once the drawing is open.
SVG_REFUSED_ELEMENTS = {
    "script",
    "foreignObject",
    "iframe",
    "embed",
    "object",
    "handler",
    "listener",
    "set",
    "animate",
    "animateMotion",
    "animateTransform",
}
# Only embedded raster images may be data: addresses; anything else must stay in the file.
SVG_DATA_IMAGE = re.compile(r"data:image/(png|jpe?g|gif|webp);", re.IGNORECASE)
SVG_STYLE_REFUSED = re.compile(r"@import|url\(\s*['\"]?(?!#)|expression\(", re.IGNORECASE)


class UnsafeSVG(Exception):
    pass


class SVGReader:
    def __init__(self):
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.parser.EntityDeclHandler = self.entity
        self.parser.ExternalEntityRefHandler = self.entity
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        # Whether each open element is a <style>, whose text is a style sheet.
        self.in_style = []

    def read(self, file) -> None:
        self.parser.ParseFile(file)

    def doctype(self, _name, _system_id, _public_id, has_internal_subset):
        if has_internal_subset:
            raise UnsafeSVG("it declares its own XML entities")

    def entity(self, *_args):
        raise UnsafeSVG("it declares its own XML entities")

    def start(self, tag, attributes):
        namespace, _, local = tag.rpartition(" ")
        if local in SVG_REFUSED_ELEMENTS:
            raise UnsafeSVG(f"it contains a <{local}> element, which can run script")
        if namespace == XHTML_NAMESPACE:
            raise UnsafeSVG("it contains web page (HTML) content")
        for attribute, value in attributes.items():
            attribute_local = attribute.rpartition(" ")[2]
            if attribute_local.lower().startswith("on"):
                raise UnsafeSVG(f"it has an event attribute ({attribute_local}), which runs script")
            if attribute_local == "href":
                check_svg_link(local, value.strip())
            if attribute_local == "style":
                self.check_style(value)
        self.in_style.append(local == "style")

    def end(self, _tag):
        self.in_style.pop()

    def text(self, data):
        if self.in_style and self.in_style[-1]:
            self.check_style(data)

    @staticmethod
    def check_style(css: str) -> None:
        if SVG_STYLE_REFUSED.search(css):
            raise UnsafeSVG("a style in it loads something from elsewhere")


def check_svg_link(element: str, link: str) -> None:
    if link.startswith("#"):
        return
    if element == "image" and SVG_DATA_IMAGE.match(link):
        return
    raise UnsafeSVG("it links to something outside the drawing")
