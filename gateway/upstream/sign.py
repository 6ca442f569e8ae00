"""Signatures and body encryption as the provincial interfaces define them.

sign = upper(hex(MD5(secret + timestamp))) is the province's scheme, not ours to
choose; SM4-ECB with PKCS#7 comes from `cryptography`, never written by hand.
"""
from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sign(secret: str, timestamp_ms: int) -> str:
    return hashlib.md5((secret + str(timestamp_ms)).encode("utf-8")).hexdigest().upper()


def sm4_key(secret: str) -> bytes:
    return hashlib.md5(secret.encode("utf-8")).digest()[:16]


def sm4_encrypt(secret: str, obj) -> str:
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.SM4(sm4_key(secret)), modes.ECB()).encryptor()
    body = enc.update(padder.update(raw) + padder.finalize()) + enc.finalize()
    return base64.b64encode(body).decode("ascii")


def sm4_decrypt(secret: str, data: str):
    dec = Cipher(algorithms.SM4(sm4_key(secret)), modes.ECB()).decryptor()
    raw = dec.update(base64.b64decode(data)) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(raw) + unpadder.finalize())
