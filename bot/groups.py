"""Private chats only. The bot registers people, asks their name and logs what they did:
none of that belongs in a group, where everyone reads it and where "大家好" is not an
answer to the bot's question. In a group or channel the bot answers a command or mention
once, politely, with a button that opens a private chat (a poster's `/start e_<code>`
carries its code along), and reads nothing else."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.conversation import Entity, addressed_to_bot, private_start_payload
from bot.middlewares import telegram_locale

log = logging.getLogger(__name__)


async def answer_group_update(update: Update, data: dict[str, Any]) -> None:
    """A group's or channel's update (bot.delivery sends them here, not to the handlers),
    answered in the sender's Telegram language: they may well not have registered."""
    i18n: I18n = data["i18n"]
    user: User | None = data.get("event_from_user")
    code = user.language_code if user is not None else None
    locale = (code and telegram_locale(code, i18n.available_locales)) or i18n.default_locale
    with i18n.context(), i18n.use_locale(locale):
        if update.message is not None:
            await answer_in_group(update.message, data["bot"])
        elif update.callback_query is not None:
            await _button_in_group(update.callback_query)


def _entities(message: Message) -> list[Entity]:
    return [
        Entity(e.type, e.offset, e.length, e.user.id if e.user else None)
        for e in (message.entities or message.caption_entities or [])
    ]


async def answer_in_group(message: Message, bot: Bot) -> None:
    """One polite answer to a command or mention; silence for everything else."""
    me = await bot.me()
    text = message.text or message.caption or ""
    reply = message.reply_to_message
    to_bot = reply is not None and reply.from_user is not None and reply.from_user.id == me.id
    if not addressed_to_bot(
        text, _entities(message), username=me.username or "", bot_id=me.id, reply_to_bot=to_bot
    ):
        return
    log.info("Group %s: pointed %s to a private chat", message.chat.id, message.from_user)
    await message.answer(
        _(
            "Hello! I work in private chats only, so that your name and what you log stay "
            "between us. Tap the button below to open a chat with me."
        ),
        reply_markup=private_chat_button(me.username or "", private_start_payload(text)),
        reply_parameters=ReplyParameters(
            message_id=message.message_id, allow_sending_without_reply=True
        ),
    )


def private_chat_button(username: str, payload: str | None) -> InlineKeyboardMarkup:
    url = f"https://t.me/{username}" + (f"?start={payload}" if payload else "")
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💬 Open a private chat"), url=url)
    return builder.as_markup()


async def _button_in_group(callback: CallbackQuery) -> None:
    """A button pressed on a message in a group (none of ours asks for it there)."""
    await callback.answer(
        _("Please use me in a private chat: open it from my profile."), show_alert=True
    )
