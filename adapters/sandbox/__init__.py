"""Local provider emulators: real HTTP servers on 127.0.0.1 that speak each provider's wire format.

They let the unmodified client libraries (python-telegram-bot, aiogram, our httpx clients) run
against a fully controllable provider in tests, the offline demo, benchmarks and rehearsals. Each
emulator lives in its own subpackage (``adapters.sandbox.telegram``, ...) and is imported only by
code that asked for a sandbox account, so the core never depends on it.
"""
