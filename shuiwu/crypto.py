"""Field encryption at rest (AES-256-GCM, or SM4-GCM) with key ids, and keyed blind indexes.

A stored value is `e1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`. The key id names the key
that wrote it, so keys rotate by adding a new active key: old values still decrypt, and
`shuiwu keys reencrypt` rewrites them under the new one. The column's name is bound in as
associated data, so a ciphertext copied into another column does not decrypt.

Lookups by phone or email go through a blind index: HMAC-SHA256 of the normalised value under
a separate key, stored beside the ciphertext. It supports equality only, which is all we need.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

PREFIX = "e1"
ALGORITHMS = ("aes", "sm4")
_KEY_BYTES = {"aes": 32, "sm4": 16}


class KeyConfigError(Exception):
    """Keys missing or not matching the data; the message is for the operator, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldKey:
    kid: str
    alg: str
    key: bytes

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(12)
        if self.alg == "aes":
            return nonce + AESGCM(self.key).encrypt(nonce, plaintext, aad)
        enc = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(plaintext) + enc.finalize()
        return nonce + body + enc.tag

    def decrypt(self, blob: bytes, aad: bytes) -> bytes:
        nonce, body = blob[:12], blob[12:]
        if self.alg == "aes":
            return AESGCM(self.key).decrypt(nonce, body, aad)
        dec = Cipher(algorithms.SM4(self.key), modes.GCM(nonce, body[-16:])).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(body[:-16]) + dec.finalize()


@dataclass(frozen=True)
class Keyring:
    active: FieldKey
    keys: dict[str, FieldKey]
    index_key: bytes

    def encrypt(self, value: str, context: str) -> str:
        blob = self.active.encrypt(value.encode("utf-8"), context.encode())
        return f"{PREFIX}:{self.active.kid}:{base64.b64encode(blob).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        try:
            prefix, kid, body = token.split(":", 2)
        except ValueError:
            raise KeyConfigError(f"{context} 中有未加密或损坏的数据") from None
        key = self.keys.get(kid)
        if prefix != PREFIX or key is None:
            raise KeyConfigError(f"{context} 的数据由未配置的密钥 {kid} 加密，请检查 FIELD_KEYS")
        try:
            return key.decrypt(base64.b64decode(body), context.encode()).decode("utf-8")
        except (InvalidTag, ValueError):
            raise KeyConfigError(f"{context} 的数据无法用密钥 {kid} 解密（密钥与数据库不匹配）") from None

    def blind_index(self, kind: str, value: str) -> str:
        return hmac.new(self.index_key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()


def parse_keys(spec: str) -> dict[str, FieldKey]:
    """`kid:alg:base64key` entries separated by commas; the first is the active one."""
    keys: dict[str, FieldKey] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        try:
            kid, alg, b64 = part.split(":", 2)
            key = base64.b64decode(b64, validate=True)
        except ValueError:
            raise KeyConfigError("FIELD_KEYS 格式应为 密钥编号:aes|sm4:Base64密钥，多个用逗号分隔") from None
        if alg not in ALGORITHMS or len(key) != _KEY_BYTES[alg]:
            raise KeyConfigError(f"FIELD_KEYS 中密钥 {kid} 无效：aes 需 32 字节，sm4 需 16 字节")
        keys[kid] = FieldKey(kid, alg, key)
    if not keys:
        raise KeyConfigError("FIELD_KEYS 为空")
    return keys


def new_key_spec(kid: str = "k1", alg: str = "aes") -> str:
    return f"{kid}:{alg}:{base64.b64encode(secrets.token_bytes(_KEY_BYTES[alg])).decode()}"


def local_key_file(data_dir: Path) -> tuple[dict, bool]:
    """The development keys in data_dir/field.keys, written once; (keys, created now?)."""
    path = data_dir / "field.keys"
    data_dir.mkdir(parents=True, exist_ok=True)
    created = False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        doc = {"field_keys": new_key_spec(), "blind_index_key": base64.b64encode(secrets.token_bytes(32)).decode()}
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f)
        created = True
    for _ in range(50):  # another process may be writing it right now
        text = path.read_text().strip()
        if text:
            return json.loads(text), created
        time.sleep(0.01)
    raise KeyConfigError(f"密钥文件 {path} 为空")


@lru_cache(maxsize=16)
def _local_keys(data_dir: Path) -> tuple[str, str]:
    """The development keys, read once per process (every encrypted value asks for them)."""
    doc, _ = local_key_file(data_dir)
    return doc["field_keys"], doc["blind_index_key"]


@lru_cache(maxsize=16)
def _keyring(field_keys: str, index_key: str) -> Keyring:
    keys = parse_keys(field_keys)
    try:
        index = base64.b64decode(index_key, validate=True)
    except ValueError:
        raise KeyConfigError("BLIND_INDEX_KEY 应为 Base64 编码的密钥") from None
    if len(index) < 32:
        raise KeyConfigError("BLIND_INDEX_KEY 至少需要 32 字节")
    return Keyring(next(iter(keys.values())), keys, index)


def keyring() -> Keyring:
    """The keys from the settings; in development, from data_dir/field.keys (made once)."""
    from shuiwu.config import get_settings

    settings = get_settings()
    field_keys, index_key = settings.field_keys, settings.blind_index_key
    if not (field_keys and index_key):
        if settings.environment == "production":
            raise KeyConfigError("生产环境必须设置 FIELD_KEYS 与 BLIND_INDEX_KEY")
        local_field_keys, local_index_key = _local_keys(settings.data_dir)
        field_keys = field_keys or local_field_keys
        index_key = index_key or local_index_key
    return _keyring(field_keys, index_key)


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    return value.lower() if kind == "email" else value


def blind_index(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    return keyring().blind_index(kind, normalise(kind, value))


class Encrypted(TypeDecorator):
    """A text column stored encrypted; Python code sees the plaintext."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return keyring().encrypt(str(value), self.context)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return keyring().decrypt(value, self.context)


def encrypted_columns():
    """(table, primary key column, column, AAD context) for every encrypted column we store."""
    import shuiwu.models  # noqa: F401  (registers the tables)
    from shuiwu.db import Base

    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Encrypted):
                pk = next(iter(table.primary_key.columns)).name
                yield table.name, pk, column.name, column.type.context


def reencrypt(connection, *, batch: int = 2000) -> dict[str, int]:
    """Rewrite every value not under the active key with it (after adding a new key).

    Returns how many values each column had rewritten. Values are read and written as stored
    text, so nothing passes through the ORM.
    """
    from sqlalchemy import text

    ring = keyring()
    counts: dict[str, int] = {}
    for table, pk, column, context in encrypted_columns():
        rows = connection.execute(
            text(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL")
        ).all()
        stale = [(row_id, value) for row_id, value in rows if value.split(":", 2)[1:2] != [ring.active.kid]]
        for start in range(0, len(stale), batch):
            connection.execute(
                text(f"UPDATE {table} SET {column} = :v WHERE {pk} = :id"),
                [
                    {"id": row_id, "v": ring.encrypt(ring.decrypt(value, context), context)}
                    for row_id, value in stale[start : start + batch]
                ],
            )
        counts[f"{table}.{column}"] = len(stale)
    return counts


class EncryptedJSON(Encrypted):
    """A JSON document stored encrypted (e.g. what a resident claimed in a binding dispute)."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return super().process_bind_param(json.dumps(value, ensure_ascii=False), dialect)

    def process_result_value(self, value, dialect):
        text = super().process_result_value(value, dialect)
        return None if text is None else json.loads(text)
