"""The Telegram front door: aiogram 3 routers over the campaign services."""
