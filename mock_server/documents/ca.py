"""The instance's test certificate authority: it issues a certificate for every signer of a signed PDF.

API (everything else here is private):

    ca = TestCA.load_or_create(directory)   # Path | None. Reads <directory>/ca-cert.pem and ca-key.pem,
                                            # or makes a new CA and writes them (key file mode 0600).
                                            # None: a new CA in memory only (tests, --in-memory runs).
    ca = TestCA.from_pem(cert_pem, key_pem) # bytes or str, e.g. from a snapshot
    ca.cert_pem, ca.key_pem                 # bytes: what GET /_mock/ca.pem serves is ca.cert_pem
    ca.issue(common_name, email=None, organization=None) -> (private_key, certificate)
                                            # cryptography objects; one key pair per distinct
                                            # (common_name, email, organization), kept in memory

The CA's subject is "CN=sign8-mock Test CA (not trusted), O=sign8-mock". It is self-signed, valid
from 2000 to 2100, and so are the certificates it issues (the mock clock may be set anywhere, and a
user validates "now", so the validity window is deliberately wide). No CRL or OCSP addresses are
in the certificates: validators have nothing to fetch. Keys are ECDSA P-256 (fast to make).

Nothing here is secret in any real sense: the CA exists so that a user's validation code can
trust it *on purpose*; no system trusts it, and nothing signed with it has legal effect.
"""
from __future__ import annotations

import datetime as _dt
import os
import secrets
import tempfile
import threading
import unicodedata
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_COMMON_NAME = "sign8-mock Test CA (not trusted)"
CA_ORGANIZATION = "sign8-mock"
NOT_BEFORE = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
NOT_AFTER = _dt.datetime(2100, 1, 1, tzinfo=_dt.timezone.utc)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _serial() -> int:
    return secrets.randbits(126) + 1  # positive, at most 16 bytes


def _clean(value: str, limit: int = 64) -> str:
    # X.520 names: at most 64 characters; LDAP string preparation (RFC 4518, Unicode 3.2) rejects
    # control and format characters and code points unassigned in Unicode 3.2 (emoji, for one).
    kept = "".join(c for c in str(value or "")
                   if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
                   and unicodedata.ucd_3_2_0.category(c) != "Cn")
    return " ".join(kept.split())[:limit].strip()


def _preparable(value: str) -> bool:
    from asn1crypto import x509 as asn1_x509

    try:
        asn1_x509.Name.build({"common_name": value}).hashable  # what validators compute from names
        return True
    except ValueError:  # e.g. left-to-right and right-to-left script in one name
        return False


def _safe_name(value: str, *fallbacks: str | None) -> str:
    """``value`` cleaned so that every X.509 library accepts it, else the first fallback that is."""
    for candidate in (value, *fallbacks, "Signer"):
        cleaned = _clean(candidate or "")
        if cleaned and _preparable(cleaned):
            return cleaned
    return "Signer"


class TestCA:
    """A self-signed CA (key + certificate) that issues signer certificates."""

    __test__ = False  # not a pytest test class, whatever its name says

    CERT_FILE = "ca-cert.pem"
    KEY_FILE = "ca-key.pem"
    COMMON_NAME = CA_COMMON_NAME

    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate):
        if key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo) != \
                cert.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo):
            raise ValueError("The CA key does not belong to the CA certificate.")
        self.key = key
        self.certificate = cert
        self._issued: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    # -- making and loading ---------------------------------------------------------------
    @classmethod
    def create(cls) -> "TestCA":
        key = _new_key()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, CA_ORGANIZATION)])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (x509.CertificateBuilder()
                .subject_name(name).issuer_name(name)
                .public_key(key.public_key())
                .serial_number(_serial())
                .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=True, crl_sign=True, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(ski, critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
                .sign(key, hashes.SHA256()))
        return cls(key, cert)

    @classmethod
    def from_pem(cls, cert_pem: bytes | str, key_pem: bytes | str) -> "TestCA":
        cert_pem = cert_pem.encode("ascii") if isinstance(cert_pem, str) else cert_pem
        key_pem = key_pem.encode("ascii") if isinstance(key_pem, str) else key_pem
        cert = x509.load_pem_x509_certificate(cert_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
        return cls(key, cert)

    @classmethod
    def load_or_create(cls, directory: Path | str | None) -> "TestCA":
        """Load the CA kept in ``directory``, or make one and keep it there (None: in memory only)."""
        if directory is None:
            return cls.create()
        directory = Path(directory)
        cert_path, key_path = directory / cls.CERT_FILE, directory / cls.KEY_FILE
        if cert_path.exists() and key_path.exists():
            try:
                return cls.from_pem(cert_path.read_bytes(), key_path.read_bytes())
            except ValueError:
                pass  # a torn or mismatched pair (crash between the two writes): make a new CA
        ca = cls.create()
        directory.mkdir(parents=True, exist_ok=True)
        # The key first, then the certificate: a crash in between leaves a pair that fails to load.
        _atomic_write(key_path, ca.key_pem, mode=0o600)
        _atomic_write(cert_path, ca.cert_pem, mode=0o644)
        return ca

    # -- exports --------------------------------------------------------------------------
    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @property
    def fingerprint_sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    # -- issuing --------------------------------------------------------------------------
    def issue(self, common_name: str, email: str | None = None, organization: str | None = None):
        """Return (private_key, certificate) for a signer; the same pair for the same names.

        The certificate's subject is CN=common_name (and O=organization when given), with
        ``email`` as an rfc822Name in the SubjectAlternativeName; key usage digitalSignature and
        nonRepudiation, as a signing certificate has. Names are cut to 64 characters and cleaned of
        what X.509 name matching rejects (control characters, emoji); a name that still cannot be
        used (left-to-right and right-to-left script mixed) is replaced by the e-mail address.
        """
        cache_key = (common_name, email, organization)
        with self._lock:
            found = self._issued.get(cache_key)
            if found is not None:
                return found
        key = _new_key()
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, _safe_name(common_name, email))]
        organization = _clean(organization or "")
        if organization and _preparable(organization):
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name(attrs))
                   .issuer_name(self.certificate.subject)
                   .public_key(key.public_key())
                   .serial_number(_serial())
                   .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=False, crl_sign=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                                  critical=False))
        if email:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        with self._lock:
            if len(self._issued) > 10_000:
                self._issued.clear()
            return self._issued.setdefault(cache_key, (key, cert))


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
