"""One settings object, read from the environment (prefix GREENTALLY_) and an optional .env."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "dev", ""}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GREENTALLY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
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
    # Telegram Mini App sign-in (web/telegram_auth.py): how long an initData is taken after
    # Telegram issued it; and the bot's id, for a web server that does not hold the bot's
    # token (initData is then checked by Telegram's Ed25519 signature instead).
    init_data_max_age: int = 3600
    telegram_bot_id: int | None = None

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in {"zh", "en"}:
            raise ValueError("default_language must be 'zh' or 'en'")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'greentally.sqlite3').as_posix()}"

    @property
    def secure_cookies(self) -> bool:
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
