"""RSA-SHA256 signatures both gateways use, and the key sets of merchant and gateway.

In development the keys are generated once into data_dir/payment_keys, so our client and
the local fake gateways agree; in production every key comes from a configured PEM file.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from shuiwu.config import Settings


def rsa_sign(key: RSAPrivateKey, message: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64: WeChat Pay v3's and Alipay RSA2's signature."""
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa_verify(key: RSAPublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), message.encode(),
                   padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def load_private(path: Path) -> RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, RSAPrivateKey)
    return key


def load_public(path: Path) -> RSAPublicKey:
    data = path.read_bytes()
    if b"PRIVATE KEY" in data:  # a development key file holds the pair
        return load_private(path).public_key()
    key = serialization.load_pem_public_key(data)
    assert isinstance(key, RSAPublicKey)
    return key


def _private_pem(key: RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _ensure(path: Path, make: callable) -> Path:
    """Write the file once; O_EXCL so two processes starting together agree on one key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path
        with os.fdopen(fd, "wb") as f:
            f.write(make())
    return path


def dev_key(data_dir: Path, name: str) -> Path:
    """A development RSA key pair (PEM) in data_dir/payment_keys/<name>.pem."""
    return _ensure(
        data_dir / "payment_keys" / f"{name}.pem",
        lambda: _private_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    )


def dev_apiv3_key(data_dir: Path) -> str:
    path = _ensure(
        data_dir / "payment_keys" / "wechatpay_apiv3.key",
        lambda: secrets.token_hex(16).encode(),  # 32 ASCII characters, as WeChat issues them
    )
    return path.read_text().strip()


def serial_of(key: RSAPublicKey) -> str:
    """A certificate-serial-like id (40 hex digits) derived from the public key."""
    digest = hashes.Hash(hashes.SHA1())
    digest.update(key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return digest.finalize().hex().upper()


@dataclass(frozen=True)
class WechatKeys:
    merchant_private: RSAPrivateKey  # signs our API calls
    merchant_serial: str
    platform_public: RSAPublicKey  # verifies WeChat's answers and notifies
    apiv3_key: str  # decrypts notify resources


@dataclass(frozen=True)
class AlipayKeys:
    app_private: RSAPrivateKey  # signs our requests
    alipay_public: RSAPublicKey  # verifies Alipay's answers and notifies


def wechat_keys(settings: Settings) -> WechatKeys:
    data = settings.data_dir
    merchant = load_private(Path(settings.wechatpay_private_key_path or dev_key(data, "wechatpay_merchant")))
    platform = load_public(
        Path(settings.wechatpay_platform_public_key_path or dev_key(data, "wechatpay_platform"))
    )
    return WechatKeys(
        merchant_private=merchant,
        merchant_serial=settings.wechatpay_serial_no or serial_of(merchant.public_key()),
        platform_public=platform,
        apiv3_key=settings.wechatpay_apiv3_key or dev_apiv3_key(data),
    )


def alipay_keys(settings: Settings) -> AlipayKeys:
    data = settings.data_dir
    return AlipayKeys(
        app_private=load_private(Path(settings.alipay_private_key_path or dev_key(data, "alipay_app"))),
        alipay_public=load_public(Path(settings.alipay_public_key_path or dev_key(data, "alipay_platform"))),
    )
