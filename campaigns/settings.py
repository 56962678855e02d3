"""One settings object, read from the environment (prefix GREENTALLY_) and an optional .env."""

from __future__ import annotations

import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "dev", ""}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GREENTALLY_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    data_dir: Path = Path("data")
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr | None = None
    default_language: str = "zh"
    bot_token: SecretStr | None = None
    bot_username: str = "GreenTallyBot"
    bot_api_base: str | None = None
    webhook_secret: SecretStr | None = None
    redis_url: str | None = None
    year_goal: int = 2000
    timezone: str = "Asia/Shanghai"
    host: str = "127.0.0.1"
    port: int = 8000
    environment: str = "production"
    # Addresses of reverse proxies whose X-Forwarded-For / -Proto are believed (uvicorn's
    # forwarded_allow_ips: comma-separated IPs or networks, "*" for any). None by default:
    # without a proxy in front, a header anyone can send names nobody's address.
    forwarded_allow_ips: str = Field(
        "", validation_alias=AliasChoices("GREENTALLY_FORWARDED_ALLOW_IPS", "FORWARDED_ALLOW_IPS")
    )
    # Rate limits (the `limits` library's notation), kept in Redis when REDIS_URL is set so
    # every instance counts together, in this process's memory otherwise.
    rate_sign_in_pair: str = "5 per 15 minutes"  # wrong passwords, one login from one address
    rate_sign_in_login: str = "20 per 15 minutes"  # one login from anywhere
    rate_sign_in_address: str = "100 per 15 minutes"  # one address, any login (a NAT office)
    # new people from one address: a launch event where a hall of staff joins over one NAT
    # address stays well inside it; a script making fake people does not
    rate_registration: str = "1000 per 10 minutes"
    rate_code_misses: str = "30 per 10 minutes"  # unknown event codes from one address
    rate_api: str = "600 per minute"  # API requests of one person (or address)
    # Logging: one line per request and per error; "json" for a log collector.
    log_format: str = Field(
        "text", validation_alias=AliasChoices("GREENTALLY_LOG_FORMAT", "LOG_FORMAT")
    )
    log_level: str = "info"
    # GET /metrics answers loopback callers, and others that send this bearer token.
    metrics_token: SecretStr | None = None
    # Telegram Mini App sign-in (web/telegram_auth.py): how long an initData is taken after
    # Telegram issued it; and the bot's id, for a web server that does not hold the bot's
    # token (initData is then checked by Telegram's Ed25519 signature instead).
    init_data_max_age: int = 3600
    telegram_bot_id: int | None = None
    # WeCom (企业微信; 政务微信 is the same API under another base URL) self-built app: the
    # door is on when the corp id is set (wecom/setup.py refuses a partial setup in words).
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = None
    wecom_secret: SecretStr | None = None  # the app's Secret
    wecom_token: SecretStr | None = None  # the callback's Token
    wecom_aes_key: SecretStr | None = None  # the callback's 43-character EncodingAESKey
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    # where OAuth sends the browser (政务微信 deployments have their own)
    wecom_oauth_base: str = "https://open.weixin.qq.com"
    # WeCom department id -> unit code ("2=edu,3=health"); a department not listed is
    # matched by its name to a unit's Chinese name
    wecom_units: str = ""

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in {"zh", "en"}:
            raise ValueError("default_language must be 'zh' or 'en'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("timezone must be an IANA zone such as 'Asia/Shanghai'") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The county's time zone: campaign days are local dates in it."""
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'greentally.sqlite3').as_posix()}"

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in {"text", "json"}:
            raise ValueError("log_format must be 'text' or 'json'")
        return value

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def https(self) -> bool:
        """Served over https (HSTS, Secure cookies): the public address says so."""
        return self.public_url.startswith("https://")

    def resolved_secret(self) -> str:
        """The secret key; generated once and kept in the data folder when none is given."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if value.lower() in PLACEHOLDER_SECRETS and self.environment != "development":
                raise ValueError("GREENTALLY_SECRET_KEY is a placeholder; set a real secret")
            return value
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
        return value
