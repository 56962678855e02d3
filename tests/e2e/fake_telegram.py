"""A small fake Telegram Bot API server on loopback, for end-to-end bot tests.

It speaks just enough of the Bot API for aiogram pointed at it through
`TelegramAPIServer.from_base(server.url)`: updates pushed by the test are served by
`getUpdates` (a real long poll; an update stays until a later call's offset passes it), or,
once the bot has set a webhook, POSTed to it with the secret header and delivered again
after a pause while the answer is not a 2xx (as Telegram does); `getUpdates` is then a 409.
Every method call (getUpdates too) is recorded with its decoded parameters, photos sent by
the bot keep their bytes and can be sent again by file_id, and files pushed by the test can
be fetched with `getFile` and the file download URL. `fail_next(method, retry_after=…)`
makes the next call of a method answer 429 once, as Telegram's flood control does (or
another status and description: a 500, a 400 "message to edit not found").

Where Telegram is strict, so is the fake: a callback query can be answered once (a second
answer is a 400), an edit that changes neither text nor buttons is a 400 "message is not
modified", an edit answers with the edited message (same id). Command lists are kept per
scope and language, as `commands_for(chat_id, language)` resolves them for a person.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

BOT_ID = 777000111
BOT_USERNAME = "GreenTallyTestBot"
JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "allowed_updates",
    "commands",
    "scope",
    "menu_button",
    "link_preview_options",
    "reply_parameters",
}


@dataclass
class Call:
    """One Bot API call the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return None if value is None else int(value)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline (or reply) keyboard buttons, flattened, in order."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [button for row in rows for button in row]

    def button(self, text_part: str) -> dict[str, Any]:
        for button in self.buttons:
            if text_part in button.get("text", ""):
                return button
        raise AssertionError(f"no button containing {text_part!r} in {self.buttons!r}")


class FakeTelegram:
    """The server; use as `async with FakeTelegram() as tg:`."""

    def __init__(self, *, token: str = "123456:TEST-token") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []  # waiting for getUpdates
        self.pushed: dict[int, dict[str, Any]] = {}  # every update sent, by update_id
        self.offset = 0  # the highest getUpdates offset asked for: updates below it are gone
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.webhook: dict[str, Any] | None = None
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._new_update = asyncio.Condition()
        self._new_call = asyncio.Condition()
        self._failures: dict[str, list[tuple[int, int, str]]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, id) -> message
        self.answered: set[str] = set()  # callback query ids already answered
        self.commands: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}  # chat (None: default)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._pushing: set[asyncio.Task[None]] = set()
        self._closing = False
        self.url = ""
        # Webhook delivery: every attempt as (update_id, HTTP status, or 0 for no answer).
        self.deliveries: list[tuple[int, int]] = []
        self.redelivery_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0)

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        port = sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        self._closing = True
        async with self._new_update:
            self._new_update.notify_all()
        for task in list(self._pushing):
            task.cancel()
        if self._pushing:
            await asyncio.gather(*self._pushing, return_exceptions=True)
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- what the test does ----------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        retry_after: int = 1,
        times: int = 1,
        status: int = 429,
        description: str = "Internal Server Error",
    ) -> None:
        """Answer the next `times` calls of `method` with 429 Too Many Requests (or another
        error `status` with its `description`: 500 for Telegram having trouble, 400 "Bad
        Request: message to edit not found")."""
        failure = (status, retry_after, description)
        self._failures.setdefault(method.lower(), []).extend([failure] * times)

    def commands_for(self, chat_id: int, language: str | None = None) -> list[str]:
        """The command names a person sees in this chat, resolved as Telegram does: the
        chat's own list first, then the default list for their language, then the default."""
        for key in (
            (f"chat:{chat_id}", language),
            (f"chat:{chat_id}", None),
            ("default", language),
            ("default", None),
        ):
            if key in self.commands:
                return [c["command"] for c in self.commands[key]]
        return []

    async def push_update(self, update: dict[str, Any]) -> int:
        """Send an update as Telegram would: to the webhook when one is set, else queued
        for getUpdates. Its update_id."""
        update = update if "update_id" in update else self.make_update(update)
        self.pushed[int(update["update_id"])] = update
        if self.webhook and self.webhook.get("url"):
            task = asyncio.create_task(self._push(update, dict(self.webhook)))
            self._pushing.add(task)
            task.add_done_callback(self._pushing.discard)
            return int(update["update_id"])
        async with self._new_update:
            self.updates.append(update)
            self._new_update.notify_all()
        return int(update["update_id"])

    async def _push(self, update: dict[str, Any], hook: dict[str, Any]) -> None:
        """POST the update to the webhook until it answers 2xx, pausing between tries."""
        if self._client is None:
            self._client = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": str(hook.get("secret_token", ""))}
        for delay in (0.0, *self.redelivery_delays):
            await asyncio.sleep(delay)
            try:
                async with self._client.post(
                    hook["url"], json=update, headers=headers, timeout=aiohttp.ClientTimeout(60)
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            async with self._new_call:
                self.deliveries.append((int(update["update_id"]), status))
                self._new_call.notify_all()
            if 200 <= status < 300:
                return

    async def push_batch(self, updates: list[dict[str, Any]]) -> None:
        """Queue updates for getUpdates at once, so that one call returns them together
        (the same update twice, say, as Telegram has been seen to send it)."""
        for update in updates:
            self.pushed[int(update["update_id"])] = update
        async with self._new_update:
            self.updates.extend(updates)
            self._new_update.notify_all()

    def confirmed(self, update_id: int) -> bool:
        """Whether a getUpdates call's offset has passed this update (Telegram forgets it
        as the call arrives, before its long poll ends)."""
        return self.offset > update_id

    async def wait_taken(self, update_id: int, *, timeout: float = 15.0) -> None:
        """Wait until the bot has taken an update to the end: answered 2xx on the webhook,
        or, polling, confirmed it by a later getUpdates offset."""
        if self.webhook and self.webhook.get("url"):
            await self.wait_delivered(update_id, timeout=timeout)
            return
        async with self._new_call:
            try:
                await asyncio.wait_for(
                    self._new_call.wait_for(lambda: self.confirmed(update_id)), timeout
                )
            except TimeoutError:
                seen = [(c.method, c.params.get("offset")) for c in self.calls[-12:]]
                raise AssertionError(
                    f"update {update_id} was never confirmed (offset {self.offset}): {seen}"
                ) from None

    def delivered(self, update_id: int) -> list[int]:
        """The HTTP statuses the webhook answered this update with, in order (0: none)."""
        return [status for uid, status in self.deliveries if uid == update_id]

    async def wait_delivered(
        self, update_id: int, *, count: int = 1, timeout: float = 15.0
    ) -> list[int]:
        """Wait until the webhook took this update with a 2xx (`count` times: it was pushed
        more than once); the statuses of every try."""

        def done() -> bool:
            return sum(200 <= s < 300 for s in self.delivered(update_id)) >= count

        async with self._new_call:
            try:
                await asyncio.wait_for(self._new_call.wait_for(done), timeout)
            except TimeoutError:
                raise AssertionError(
                    f"update {update_id} not taken: {self.delivered(update_id)}"
                ) from None
        return self.delivered(update_id)

    def make_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """An update with a fresh update_id, not queued (for webhook tests)."""
        return {"update_id": next(self._update_ids), **update}

    def message_update(
        self,
        user: dict[str, Any] | None,
        text: str | None = None,
        *,
        chat: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A message from `user` (None: no sender, as a channel post or an anonymous group
        admin's message is) in their private chat, or in `chat`."""
        if chat is None:
            assert user is not None, "a message without a sender needs its chat"
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            **({"from": user} if user is not None else {}),
            **extra,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"message": message}

    async def send_text(self, user: dict[str, Any], text: str) -> int:
        return await self.push_update(self.message_update(user, text))

    async def send_document(
        self,
        user: dict[str, Any],
        data: bytes,
        *,
        file_name: str = "photo.jpg",
        mime_type: str = "image/jpeg",
        caption: str = "",
    ) -> int:
        """A file sent as a document (Telegram keeps it byte for byte, uncompressed)."""
        file_id = self.add_file(data, suffix=file_name.rpartition(".")[2] or "bin")
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        extra: dict[str, Any] = {"document": document}
        if caption:
            extra["caption"] = caption
        return await self.push_update(self.message_update(user, None, **extra))

    async def send_photo(self, user: dict[str, Any], data: bytes, caption: str = "") -> int:
        file_id = self.add_file(data, suffix="jpg")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 640,
                "height": 480,
                "file_size": len(data),
            }
        ]
        extra: dict[str, Any] = {"photo": photo}
        if caption:
            extra["caption"] = caption
        return await self.push_update(self.message_update(user, None, **extra))

    def callback_update(self, user: dict[str, Any], call: Call, button_text: str) -> dict[str, Any]:
        """The update Telegram sends when `user` presses a button on the bot's message."""
        button = call.button(button_text)
        return {
            "callback_query": {
                "id": f"cb{next(self._message_ids)}",
                "from": user,
                "chat_instance": str(user["id"]),
                "message": call.params.get("_result") or {},
                "data": button["callback_data"],
            }
        }

    async def press(self, user: dict[str, Any], call: Call, button_text: str) -> int:
        """Press the inline button whose text contains `button_text` on a bot message."""
        return await self.push_update(self.callback_update(user, call, button_text))

    def add_file(self, data: bytes, *, suffix: str) -> str:
        number = next(self._file_ids)
        file_id = f"file-{number}"
        self.files[file_id] = (f"photos/file_{number}.{suffix}", data)
        return file_id

    def calls_to(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method.lower() and (chat_id is None or c.chat_id == chat_id)
        ]

    async def wait_for(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        after: int = 0,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Wait until `count` calls of `method` (to `chat_id`) arrive past index `after`."""
        method = method.lower()

        def matching() -> list[Call]:
            return [
                c
                for c in self.calls[after:]
                if c.method == method and (chat_id is None or c.chat_id == chat_id)
            ]

        async with self._new_call:
            try:
                await asyncio.wait_for(
                    self._new_call.wait_for(lambda: len(matching()) >= count), timeout
                )
            except TimeoutError:
                seen = [(c.method, c.text[:60]) for c in self.calls[after:]]
                raise AssertionError(
                    f"no {method} after #{after} within {timeout}s: {seen}"
                ) from None
        return matching()[:count]

    async def reply_to(
        self, user: dict[str, Any], text: str, *, method: str = "sendMessage", count: int = 1
    ) -> list[Call]:
        """Send `text` as `user` and wait for the bot's next `count` `method` calls to them."""
        mark = len(self.calls)
        await self.send_text(user, text)
        return await self.wait_for(method, chat_id=user["id"], after=mark, count=count)

    async def tap(
        self, user: dict[str, Any], call: Call, button_text: str, *, method: str = "sendMessage"
    ) -> list[Call]:
        """Press a button and wait for the bot's next `method` call to that chat."""
        mark = len(self.calls)
        await self.press(user, call, button_text)
        return await self.wait_for(method, chat_id=user["id"], after=mark)

    # -- the Bot API -----------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params = await request.json()
            return params, files
        form = await request.post()
        for key, value in form.items():
            if hasattr(value, "file"):
                files[key] = value.file.read()
            elif key in JSON_FIELDS:
                params[key] = json.loads(str(value))
            else:
                params[key] = str(value)
        # aiogram uploads a file under a random field name and points at it: "attach://<name>".
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                name = value.removeprefix("attach://")
                if name in files:
                    files[key] = files[name]
        return params, files

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params, files = await self._params(request)
        if self._failures.get(method):
            return await self._fail(Call(method, params, files))
        call = Call(method, params, files)
        if method == "getupdates":
            return await self._answer_get_updates(call)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            await self._record(call)
            return _error(404, f"Not Found: method {method} is not faked")
        result = handler(call)
        if isinstance(result, web.Response):
            await self._record(call)
            return result
        call.params["_result"] = result
        await self._record(call)
        return web.json_response({"ok": True, "result": result})

    async def _answer_get_updates(self, call: Call) -> web.Response:
        if self.webhook and self.webhook.get("url"):
            await self._record(call)
            return _error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        result = await self._get_updates(call.params)
        call.params["_result"] = result
        await self._record(call)
        return web.json_response({"ok": True, "result": result})

    async def _fail(self, call: Call) -> web.Response:
        """The failure `fail_next` asked for."""
        status, retry_after, description = self._failures[call.method].pop(0)
        call.params["_failed"] = status
        await self._record(call)
        if status != 429:
            return _error(status, description)
        return web.json_response(
            {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after},
            },
            status=429,
        )

    async def _record(self, call: Call) -> None:
        async with self._new_call:
            self.calls.append(call)
            self._new_call.notify_all()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            async with self._new_call:
                self.offset = max(self.offset, offset)
                self._new_call.notify_all()

        def ready() -> bool:
            return self._closing or any(u["update_id"] >= offset for u in self.updates)

        async with self._new_update:
            if not ready() and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait_for(ready), timeout)
            return [u for u in self.updates if u["update_id"] >= offset][:limit]

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "GreenTally", "username": BOT_USERNAME}

    def _message(self, call: Call, **content: Any) -> dict[str, Any] | web.Response:
        if call.chat_id is None:
            return _error(400, "Bad Request: chat_id is empty")
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": call.chat_id, "type": "private" if call.chat_id > 0 else "supergroup"},
            "from": self._bot_user(),
            **content,
        }
        self.messages[(call.chat_id, message["message_id"])] = message
        return message

    def _edit(self, call: Call, **changes: Any) -> dict[str, Any] | web.Response:
        """Edit a message the bot sent: the same message back, changed; Telegram refuses an
        edit that changes nothing."""
        if call.chat_id is None or "message_id" not in call.params:
            return _error(400, "Bad Request: message identifier is not specified")
        key = (call.chat_id, int(call.params["message_id"]))
        if key not in self.messages:
            return _error(400, "Bad Request: message to edit not found")
        before = self.messages[key]
        after = {k: v for k, v in before.items() if k != "reply_markup"}
        after.update({k: v for k, v in changes.items() if v})
        same_text = after.get("text") == before.get("text")
        if same_text and after.get("reply_markup") == before.get("reply_markup"):
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        after["edit_date"] = int(time.time())
        self.messages[key] = after
        return after

    def _m_getme(self, call: Call) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": False, "supports_inline_queries": False}

    def _m_sendmessage(self, call: Call) -> dict[str, Any] | web.Response:
        if not call.params.get("text"):
            return _error(400, "Bad Request: message text is empty")
        content: dict[str, Any] = {"text": call.params["text"]}
        markup = call.params.get("reply_markup")
        if markup and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        return self._message(call, **content)

    def _m_sendphoto(self, call: Call) -> dict[str, Any] | web.Response:
        data = call.files.get("photo")
        by_id = call.params.get("photo")
        if data is None and isinstance(by_id, str) and by_id in self.files:
            file_id = by_id  # sent again by the file_id Telegram gave it
            data = self.files[file_id][1]
        elif data is None:
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        else:
            file_id = self.add_file(data, suffix="png")
        sizes = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 0,
                "height": 0,
                "file_size": len(data),
            }
        ]
        content: dict[str, Any] = {"photo": sizes}
        if call.params.get("caption"):
            content["caption"] = call.params["caption"]
        return self._message(call, **content)

    def _m_editmessagetext(self, call: Call) -> dict[str, Any] | web.Response:
        if not call.params.get("text"):
            return _error(400, "Bad Request: message text is empty")
        return self._edit(call, text=call.params["text"], reply_markup=_inline(call))

    def _m_editmessagereplymarkup(self, call: Call) -> dict[str, Any] | web.Response:
        key = (call.chat_id or 0, int(call.params.get("message_id") or 0))
        text = self.messages.get(key, {}).get("text")
        return self._edit(call, text=text, reply_markup=_inline(call))

    def _m_answercallbackquery(self, call: Call) -> bool | web.Response:
        query_id = str(call.params.get("callback_query_id", ""))
        if query_id in self.answered:
            return _error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered.add(query_id)
        return True

    def _m_setmycommands(self, call: Call) -> bool:
        self.commands[_scope_key(call)] = list(call.params.get("commands") or [])
        return True

    def _m_deletemycommands(self, call: Call) -> bool:
        self.commands.pop(_scope_key(call), None)
        return True

    def _m_setchatmenubutton(self, call: Call) -> bool:
        button = call.params.get("menu_button") or {"type": "default"}
        self.menu_buttons[call.chat_id] = button
        return True

    def _m_deletemessage(self, call: Call) -> bool:
        return True

    def _m_sendchataction(self, call: Call) -> bool:
        return True

    def _m_setwebhook(self, call: Call) -> bool:
        self.webhook = dict(call.params)
        return True

    def _m_deletewebhook(self, call: Call) -> bool:
        self.webhook = None
        return True

    def _m_getwebhookinfo(self, call: Call) -> dict[str, Any]:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    def _m_getfile(self, call: Call) -> dict[str, Any] | web.Response:
        file_id = str(call.params.get("file_id", ""))
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored_path, data in self.files.values():
            if stored_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)


def _inline(call: Call) -> dict[str, Any] | None:
    markup = call.params.get("reply_markup")
    return markup if markup and "inline_keyboard" in markup else None


def _scope_key(call: Call) -> tuple[str, str | None]:
    scope = call.params.get("scope") or {"type": "default"}
    name = f"chat:{scope['chat_id']}" if scope.get("type") == "chat" else str(scope["type"])
    return name, call.params.get("language_code") or None


def _error(status: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": status, "description": description}, status=status
    )


def tg_user(
    user_id: int, *, language_code: str | None = "zh-hans", name: str = "Li"
) -> dict[str, Any]:
    """A Telegram user object for updates."""
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    if language_code:
        user["language_code"] = language_code
    return user


WEBHOOK_SECRET = "e2e_webhook-SECRET"


def _configured(settings: Any, tg: FakeTelegram, **more: Any) -> Any:
    from pydantic import SecretStr  # keep the server importable on its own

    return settings.model_copy(
        update={"bot_token": SecretStr(tg.token), "bot_api_base": tg.url, **more}
    )


@contextlib.asynccontextmanager
async def polling_bot(
    core: Any, settings: Any, *, clock: Any, storage: Any = None
) -> AsyncIterator[tuple[FakeTelegram, Any, Any]]:
    """The real bot, polling the fake server in a task (bot.polling, as `greentally
    serve` runs it): yields (server, bot, dispatcher)."""
    from bot.dispatcher import build_dispatcher
    from bot.polling import Poller
    from bot.runner import make_bot

    async with FakeTelegram() as tg:
        configured = _configured(settings, tg)
        bot = make_bot(configured)
        dp = build_dispatcher(core, configured, storage, clock=clock)
        poller = Poller(dp, bot, timeout=1, retry_delays=(0.3, 0.6, 1.0))
        task = asyncio.create_task(poller.run())
        try:
            await tg.wait_for("setMyCommands")  # the startup hook ran: polling begins
            await asyncio.wait_for(poller.started.wait(), 10)
            yield tg, bot, dp
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
            await bot.session.close()


@contextlib.asynccontextmanager
async def webhook_bot(
    core: Any, settings: Any, *, clock: Any, storage: Any = None
) -> AsyncIterator[tuple[FakeTelegram, Any, Any]]:
    """The real bot behind the real web app's webhook route, served by uvicorn on
    loopback: the fake pushes every update to it (and pushes again after a failure, as
    Telegram does). Yields (server, bot, dispatcher)."""
    import socket

    import uvicorn

    from bot.dispatcher import build_dispatcher
    from bot.runner import make_bot, start_webhook
    from greentally.app import _mount_webhook  # the route `serve` mounts
    from web.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    async with FakeTelegram() as tg:
        from pydantic import SecretStr

        configured = _configured(
            settings,
            tg,
            webhook_secret=SecretStr(WEBHOOK_SECRET),
            public_url=f"http://127.0.0.1:{port}",
        )
        bot = make_bot(configured)
        dp = build_dispatcher(core, configured, storage, clock=clock)
        app = create_app(core, configured)
        _mount_webhook(app, configured, bot, dp)
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        try:
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.02)
            await start_webhook(bot, dp, configured)
            yield tg, bot, dp
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, 15)
            await bot.session.close()
