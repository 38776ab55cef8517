"""The front door's own wire errors: the proxy's refusals and the listeners' request limits.

They are written on the raw connection before any service sees the request, so they are rendered
here, in one place, as a whole HTTP/1.1 response: the reason phrase is the status code's own
(``http.HTTPStatus``), the body plain text, and the connection closed after it.
"""

from __future__ import annotations

from http import HTTPStatus

from pullproof.core.errors import ErrorRegistry, ServiceError

FRONT = ErrorRegistry("front", "Front door: the proxy and the listeners' request limits")

NOT_EMULATED = FRONT.register(
    "not_emulated", "proxy", 403,
    "pullproof: refusing '{host}': not an emulated Azure host, and pullproof never connects out",
    "CONNECT to, or a plain-HTTP request for, a host pullproof does not emulate (or IMDS over CONNECT).",
)
BAD_TARGET = FRONT.register(
    "bad_target", "proxy", 400,
    "pullproof: refusing '{target}': a plain-HTTP request target is an absolute http:// URL or a path",
    "The proxy was sent a request whose target is neither absolute-form nor origin-form.",
)
MALFORMED = FRONT.register(
    "malformed", "proxy", 400, "pullproof: malformed HTTP request",
    "The request line, headers or chunked body sent to the proxy do not parse as HTTP/1.1.",
)
TOO_MANY_TUNNELS = FRONT.register(
    "too_many_tunnels", "proxy", 503,
    "pullproof: {limit} tunnels are open, the most the proxy keeps; try again when one has closed",
    "A CONNECT arrived while max_tunnels tunnels were open.",
)
BODY_TOO_LARGE = FRONT.register(
    "body_too_large", "proxy", 413, "pullproof: the request body is over {limit} bytes",
    "A plain-HTTP request body through the proxy declares or reaches more than max_body_bytes.",
)
PROXY_URL_TOO_LONG = FRONT.register(
    "proxy_url_too_long", "proxy", 414, "pullproof: the request target is over {limit} bytes",
    "A request target sent to the proxy is longer than max_url_bytes.",
)
PROXY_HEAD_TOO_LARGE = FRONT.register(
    "proxy_head_too_large", "proxy", 431, "pullproof: the request line and headers are over {limit} bytes",
    "The request line and headers sent to the proxy exceed max_header_bytes.",
)
URL_TOO_LONG = FRONT.register(
    "url_too_long", "listener", 414, "HTTP Error 414. The request URL is too long.",
    "A request target on the HTTPS or plain-HTTP listener (directly or in a tunnel) is longer than "
    "max_url_bytes; http.sys's text.",
)
HEAD_TOO_LARGE = FRONT.register(
    "head_too_large", "listener", 400, "HTTP Error 400. The size of the request headers is too long.",
    "The request line and headers on the HTTPS or plain-HTTP listener exceed max_header_bytes; the "
    "text Azure's front ends (http.sys) send.",
)


def status_line(status: int) -> str:
    """``HTTP/1.1 <code> <its reason phrase>``."""
    return f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"


def render(error: ServiceError) -> bytes:
    """The whole response for a front-door error; the connection is closed after it."""
    body = (error.message + "\n").encode("utf-8")
    head = (f"{status_line(error.status)}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode("latin-1") + body
