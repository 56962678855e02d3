"""The callback crypto against published vectors.

The vectors are wechatpy's (https://github.com/wechatpy/wechatpy, tests/test_crypto.py,
class CryptoTestCase, commit 5b8502e3bc4abfee3abae77983e01633ed47cebf): token "123456",
EncodingAESKey "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", CorpID "wx49f0ab532d5d035a".
"""

from __future__ import annotations

import pytest

from wecom.crypto import CryptoRefused, Problem, WeComCrypto, aes_key_of

TOKEN = "123456"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
CORP_ID = "wx49f0ab532d5d035a"
CRYPTO = WeComCrypto(TOKEN, AES_KEY, CORP_ID)

# test_check_signature_should_ok / _should_fail
ECHO = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q=="
ECHO_SIGNATURE = "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96"

# test_encrypt_message: the random 16 bytes are "1234567890123456"
REPLY = """<xml>
<MsgType><![CDATA[text]]></MsgType>
<Content><![CDATA[test]]></Content>
<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>
<ToUserName><![CDATA[messense]]></ToUserName>
<AgentID>1</AgentID>
<CreateTime>1411525903</CreateTime>
</xml>"""
REPLY_ENCRYPTED = (
    "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqG"
    "sL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZ"
    "SjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UP"
    "PJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2"
    "XeFYFMNMpatF9XiKzHo3"
)
REPLY_SIGNATURE = "407518b7649e86ef23978113f92d27afa9296533"

# test_decrypt_message
INBOUND = (
    "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsT"
    "yeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+Bi"
    "YyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXU"
    "aWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqi"
    "o7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0="
)
INBOUND_SIGNATURE = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"


def test_url_verification_vector() -> None:
    plain = CRYPTO.verify_url(ECHO_SIGNATURE, "1411443780", "437374425", ECHO, now=None)
    assert plain  # the echostr decrypts, with our CorpID behind it


def test_wrong_nonce_is_a_wrong_signature() -> None:
    with pytest.raises(CryptoRefused) as exc:
        CRYPTO.verify_url(ECHO_SIGNATURE, "1411443780", "437374424", ECHO, now=None)
    assert exc.value.problem is Problem.SIGNATURE


def test_encrypt_vector() -> None:
    sealed = CRYPTO.seal(
        REPLY.encode(), nonce="461056294", timestamp="1411525903", random16=b"1234567890123456"
    )
    assert sealed["encrypt"] == REPLY_ENCRYPTED
    assert sealed["msg_signature"] == REPLY_SIGNATURE


def test_decrypt_vector() -> None:
    message = CRYPTO.open(INBOUND_SIGNATURE, "1411525903", "461056294", INBOUND, now=None)
    text = message.decode()
    assert "<Content><![CDATA[test]]></Content>" in text
    assert "<FromUserName><![CDATA[messense]]></FromUserName>" in text


def test_another_corp_is_refused() -> None:
    other = WeComCrypto(TOKEN, AES_KEY, "ww0000000000000000")
    with pytest.raises(CryptoRefused) as exc:
        other.decrypt(INBOUND)
    assert exc.value.problem is Problem.CORP_ID


def test_stale_timestamp_is_refused() -> None:
    with pytest.raises(CryptoRefused) as exc:
        CRYPTO.open(INBOUND_SIGNATURE, "1411525903", "461056294", INBOUND, now=1411525903 + 301)
    assert exc.value.problem is Problem.STALE
    CRYPTO.open(INBOUND_SIGNATURE, "1411525903", "461056294", INBOUND, now=1411525903 + 299)


@pytest.mark.parametrize("ciphertext", ["", "not base64!", "AAAA", INBOUND[:-8] + "AAAAAAA="])
def test_malformed_ciphertext_is_refused(ciphertext: str) -> None:
    with pytest.raises(CryptoRefused):
        CRYPTO.decrypt(ciphertext)


def test_round_trip_of_chinese_text() -> None:
    text = "<xml><Content><![CDATA[签到 ✅]]></Content></xml>".encode()
    assert CRYPTO.decrypt(CRYPTO.encrypt(text)) == text


@pytest.mark.parametrize("key", ["short", AES_KEY + "A", "!" * 43])
def test_a_key_that_is_not_an_encoding_aes_key(key: str) -> None:
    with pytest.raises(ValueError):
        aes_key_of(key)
