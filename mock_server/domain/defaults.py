"""The interface table's defaults and other constants of the SIGN8 contract."""
from importlib import resources

# The guide names these Default_sign8_color / _icon_file_id / _logo_file_id without values;
# we pin SIGN8's teal and two fixed UUID v4 ids for the built-in images.
DEFAULT_PRIMARY_COLOR = "#00A19A"
DEFAULT_ICON_FILE_ID = "8d0f3c1e-5b7a-4c2e-9f10-1c0a5e8d0001"
DEFAULT_LOGO_FILE_ID = "8d0f3c1e-5b7a-4c2e-9f10-1c0a5e8d0002"

BUILTIN_FILES = {
    DEFAULT_ICON_FILE_ID: ("default-icon.png", "image/png"),
    DEFAULT_LOGO_FILE_ID: ("default-logo.png", "image/png"),
}

WORKFLOW_STATUSES = ("draft", "in_progress", "completed", "refused", "expired", "cancelled")
FINAL_STATUSES = frozenset({"completed", "refused", "expired", "cancelled"})
SIGNER_STATUSES = ("pending", "signed", "refused")
SIGNING_ORDERS = ("parallel", "sequential")
# SIGN8's four signature types (support.sign8.eu/portal/en/kb/articles/workflows-without-template); no simple level.
SIGNATURE_TYPES = ("advanced_signature", "qualified_signature", "advanced_seal", "qualified_seal")
DEFAULT_SIGNATURE_TYPE = "advanced_signature"


def favicon_ico() -> bytes:
    """The mock's icon as an ICO file: one 256x256 entry whose image is the PNG itself (allowed since Windows Vista)."""
    import struct

    png = builtin_file_bytes(DEFAULT_ICON_FILE_ID)
    # ICONDIR (reserved, type 1 = icon, one image), then its ICONDIRENTRY: width and height 0 mean 256,
    # no palette, 1 plane, 32 bits per pixel, the PNG's size and its offset right after these 22 bytes.
    return struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(png), 22) + png


def builtin_file_bytes(file_id: str) -> bytes | None:
    entry = BUILTIN_FILES.get(file_id)
    if entry is None:
        return None
    return resources.files("mock_server").joinpath("assets", entry[0]).read_bytes()
