"""Bot API calls made once per update, even when a database fault has the update handled
again (bot.resilience keeps the journal; this is its Telegram side)."""

from __future__ import annotations

import json
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.resilience import once


class OnceRequest(BaseRequest):
    """PTB's HTTP layer, with every Bot API call made once per update: a handler retried
    after a database fault does not send its reply, or answer its button, a second time."""

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        async def call() -> tuple[int, bytes]:
            return await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )

        if request_data is not None and request_data.contains_files:
            return await call()  # a file's bytes are no key; resending a file is harmless
        parameters = request_data.json_parameters if request_data is not None else {}
        key = "telegram:" + url + json.dumps(parameters, sort_keys=True)
        return await once(key, call)
