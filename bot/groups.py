"""Private chats only. The bot registers people, asks their name and logs what they did:
none of that belongs in a group, where everyone reads it and where "大家好" is not an
answer to the bot's question. In a group or channel the bot answers a command or mention
once, politely, with a button that opens a private chat (a poster's `/start e_<code>`
carries its code along), and reads nothing else."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import BaseMiddleware, Bot
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    TelegramObject,
    Update,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.conversation import Entity, addressed_to_bot, private_start_payload

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class PrivateChatsOnly(BaseMiddleware):
    """Updates from private chats go on to the handlers; a group's are answered here."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == "private":
            return await handler(event, data)
        update = cast(Update, event)
        if update.message is not None:
            await answer_in_group(update.message, data["bot"])
        elif update.callback_query is not None:
            await _button_in_group(update.callback_query)
        return None


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
