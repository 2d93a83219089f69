"""Workflow passwords: kept only as a salted PBKDF2-SHA256 hash, compared in constant time."""
from __future__ import annotations

import hashlib
import hmac
import secrets

MAX_PASSWORD_LENGTH = 128
ALGORITHM = "pbkdf2_sha256"
# Far below a production count (600,000): a mock answers in milliseconds and guards test data only.
ITERATIONS = 20_000


def _bytes(password: str) -> bytes:
    # JSON may carry a lone surrogate (\ud800): hash it as it came rather than fail.
    return password.encode("utf-8", errors="surrogatepass")


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    """Return 'pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>' for password."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", _bytes(password), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def check_password(password: str | None, stored: str | None) -> bool:
    """Tell whether password matches the stored hash; no hash or no password never matches."""
    if not stored or not isinstance(password, str):
        return False
    try:
        algorithm, iterations, salt_hex, digest_hex = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", _bytes(password), bytes.fromhex(salt_hex), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)
