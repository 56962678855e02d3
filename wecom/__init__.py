"""The WeCom (企业微信 / 政务微信) self-built-app door: callback crypto, the API client, the
callback's queue and worker, and OAuth sign-in. A chat door over the same core as the
Telegram bot: it adds no rule of its own."""
