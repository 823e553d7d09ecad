"""A minimal PDF writer for tests: pages of paragraphs of lines, in Helvetica (no library)."""

from __future__ import annotations


def make_pdf(pages: list[list[list[str]]], title: str = "", author: str = "") -> bytes:
    """A PDF whose page i holds ``pages[i]``: paragraphs (lists of lines), a blank line between."""
    objects: list[bytes] = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", b""]
    font, tree = 1, 2
    page_ids = []
    for paragraphs in pages:
        ops = ["BT /F1 11 Tf 14 TL 72 740 Td"]
        for paragraph in paragraphs:
            for line in paragraph:
                text = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append(f"({text}) Tj T*")
            ops.append("T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (tree, font, content)
        )
        page_ids.append(len(objects))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    info_fields = b"/Title (%s)" % title.encode("latin-1")
    if author:
        info_fields += b" /Author (%s)" % author.encode("latin-1")
    objects.append(b"<< %s >>" % info_fields)
    info = len(objects)
    objects.append(b"<< /Type /Catalog /Pages %d 0 R >>" % tree)
    catalog = len(objects)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    return bytes(out)
