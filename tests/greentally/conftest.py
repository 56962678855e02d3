from tests.bot.conftest import bot_settings, fake_tg  # noqa: F401 - shared fixtures
