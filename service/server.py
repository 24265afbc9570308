"""How `clustersearch serve` runs uvicorn.

* The client address is the peer's: uvicorn's own proxy-header handling is off (by default
  it trusts X-Forwarded-For from 127.0.0.1, or from whoever `FORWARDED_ALLOW_IPS` names);
  the app trusts only `Settings.trusted_proxies` (service.security).
* A request head over `Settings.max_header_bytes` gets 431, and the connection is closed
  only after the client has sent it, so the client reads the 431 instead of a reset.
* The app logs each request itself (service.observability), so uvicorn's access log is off.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any

import h11
from fastapi import FastAPI
from uvicorn import Config
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.settings import Settings

__all__ = ["H11WithStatusHints", "server_config"]

# How long a refused connection keeps reading (and dropping) what the client still sends.
_LINGER_SECONDS = 2.0


class _HintingConnection(h11.Connection):
    """Remembers the status h11 suggests for the request it could not parse (431, 400)."""

    error_status = 400

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.error_status = exc.error_status_hint
            raise


class H11WithStatusHints(H11Protocol):
    """uvicorn's h11 protocol, answering an unparsable request with h11's status hint (431
    for a head over the limit) and lingering before it closes. Needs a `Config` that sets
    `h11_max_incomplete_event_size` (`server_config` does)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        limit = self.config.h11_max_incomplete_event_size
        assert limit is not None, "use server_config(), which sets the limit"
        self.conn = _HintingConnection(h11.SERVER, limit)
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the rest of a refused request: read and dropped
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        status = self.conn.error_status if isinstance(self.conn, _HintingConnection) else 400
        body = (
            b"Request header fields too large: send smaller headers."
            if status == 431
            else msg.encode("ascii")
        )
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(_LINGER_SECONDS, self.transport.close)


def server_config(
    app: FastAPI, settings: Settings, *, host: str | None = None, port: int | None = None
) -> Config:
    """The uvicorn configuration `serve` runs `app` with."""
    return Config(
        app,
        host=host or settings.host,
        port=port or settings.port,
        http=H11WithStatusHints,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        proxy_headers=False,
        access_log=False,
        log_level=settings.log_level,
    )
