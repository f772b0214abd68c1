"""Reading back the PDFs the app writes: their text, their fonts and the QR code on their page."""

import io

from pypdf import PdfReader


def text_of(data: bytes) -> str:
    """The text of every page with all white space removed: letter-spaced titles read as words."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def fonts_of(data: bytes) -> list[dict]:
    """Every font of every page, with whether its program is embedded and which glyphs it uses."""
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            widths = descendant.get("/W", [])
            glyphs = [w for w in widths if isinstance(w, int)]
            found.append(
                {
                    "name": str(font["/BaseFont"]),
                    "embedded": any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")),
                    "glyph_ids": glyphs,
                }
            )
    return found


def qr_urls(data: bytes) -> list[str]:
    """Decode every QR code in the images of the PDF (scanning simulated)."""
    import zxingcpp
    from PIL import Image

    urls = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            # A quiet zone around the code helps the decoder, as paper does for a phone.
            framed = Image.new("L", (picture.width + 40, picture.height + 40), 255)
            framed.paste(picture, (20, 20))
            urls += [r.text for r in zxingcpp.read_barcodes(framed) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return urls
