"""The WeCom door's settings: on when GREENTALLY_WECOM_CORP_ID is set; a partial or wrong
setup refuses to start, saying what to change (the bot's setup refusal, in words)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.runner import BotSetupError, Words
from campaigns.labels import N_
from wecom.crypto import aes_key_of
from wecom.door import WeComConfig

if TYPE_CHECKING:
    from pydantic import SecretStr

    from campaigns.settings import Settings

REQUIRED = N_("WeCom: {name} is required when GREENTALLY_WECOM_CORP_ID is set.")
BAD_AES_KEY = N_(
    "WeCom: GREENTALLY_WECOM_AES_KEY must be the app's 43-character EncodingAESKey "
    "(letters and digits, as WeCom's admin page shows it)."
)
BAD_UNITS = N_(
    "WeCom: GREENTALLY_WECOM_UNITS must read department id=unit code, separated by "
    'commas (for example "2=edu,3=health"); {part} is not.'
)
NOT_HTTPS = N_(
    "WeCom: GREENTALLY_PUBLIC_URL must be an https address on the app's trusted domain "
    "(可信域名), not {url}."
)


class WeComSetupError(BotSetupError):
    """The WeCom settings cannot work; the words say what to change."""


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def parse_units(text: str) -> dict[int, str]:
    """ "2=edu,3=health" -> {2: "edu", 3: "health"}. Raises WeComSetupError."""
    out: dict[int, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        dept, sep, code = part.partition("=")
        if not sep or not dept.strip().isdigit() or not code.strip():
            raise WeComSetupError(Words(BAD_UNITS, part=repr(part)))
        out[int(dept)] = code.strip()
    return out


def wecom_config(settings: Settings) -> WeComConfig | None:
    """The door's configuration, None when the door is off. Raises WeComSetupError."""
    if not settings.wecom_corp_id:
        return None
    values = {
        "GREENTALLY_WECOM_AGENT_ID": settings.wecom_agent_id,
        "GREENTALLY_WECOM_SECRET": _secret(settings.wecom_secret),
        "GREENTALLY_WECOM_TOKEN": _secret(settings.wecom_token),
        "GREENTALLY_WECOM_AES_KEY": _secret(settings.wecom_aes_key),
    }
    for name, value in values.items():
        if not value:
            raise WeComSetupError(Words(REQUIRED, name=name))
    try:
        aes_key_of(_secret(settings.wecom_aes_key))
    except ValueError:
        raise WeComSetupError(Words(BAD_AES_KEY)) from None
    if settings.environment != "development" and not settings.public_url.startswith("https://"):
        raise WeComSetupError(Words(NOT_HTTPS, url=repr(settings.public_url)))
    assert settings.wecom_agent_id is not None
    return WeComConfig(
        corp_id=settings.wecom_corp_id,
        agent_id=settings.wecom_agent_id,
        secret=_secret(settings.wecom_secret),
        token=_secret(settings.wecom_token),
        aes_key=_secret(settings.wecom_aes_key),
        api_base=settings.wecom_api_base,
        oauth_base=settings.wecom_oauth_base,
        public_url=settings.public_url,
        units=parse_units(settings.wecom_units),
    )
