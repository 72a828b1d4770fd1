"""SANDBOX: WeChat Pay API v3 notifications in the real format, signed and encrypted with the
sandbox's test platform key and APIv3 key."""

import base64
import datetime
import json
import secrets
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from .services import KEYS

SANDBOX_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"


def encrypt_resource(plain: dict, *, apiv3_key: bytes, associated_data: str = "transaction") -> dict:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay sends
    ciphertext = AESGCM(apiv3_key).encrypt(
        nonce.encode(), json.dumps(plain, ensure_ascii=False).encode(), associated_data.encode()
    )
    return {
        "original_type": "transaction",
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


def sign(message: bytes) -> str:
    key = serialization.load_pem_private_key((KEYS / "wechatpay-platform-private.pem").read_bytes(), password=None)
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def transaction_notification(
    *, out_trade_no: str, transaction_id: str, total_fen: int, trade_state: str = "SUCCESS", timestamp=None
) -> tuple[bytes, dict]:
    """(raw body, headers) of a ``TRANSACTION.SUCCESS`` notification, as WeChat Pay posts it."""
    config = settings.PAYMENTS_WECHATPAY
    plain = {
        "appid": config["APPID"],
        "mchid": config["MCHID"],
        "out_trade_no": out_trade_no,
        "transaction_id": transaction_id,
        "trade_type": "NATIVE",
        "trade_state": trade_state,
        "trade_state_desc": "支付成功",
        "success_time": datetime.datetime.now(datetime.UTC).isoformat(),
        "payer": {"openid": "oSandbox0000000000000000000"},
        "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    body = json.dumps(
        {
            "id": secrets.token_hex(18),
            "create_time": datetime.datetime.now(datetime.UTC).isoformat(),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": encrypt_resource(plain, apiv3_key=config["APIV3_KEY"].encode()),
        },
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(time.time()) if timestamp is None else int(timestamp))
    nonce = secrets.token_hex(16)
    headers = {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": SANDBOX_SERIAL,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Wechatpay-Signature": sign(f"{timestamp}\n{nonce}\n".encode() + body + b"\n"),
    }
    return body, headers
