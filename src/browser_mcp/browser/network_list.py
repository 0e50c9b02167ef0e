"""The requests of the page a tab shows: what network_requests lists.

Two sources, neither costing the person's browsing anything while nobody asks:
- the page's own resource timing (read in our isolated world when asked): every request of the document
  since it began, with its status as the page may see it (0 for a failure or another site's opaque reply);
- what the tab's CDP session heard while the agent acted (tab_requests turns Network on only then): the
  method, the status of any reply, and why a request failed ("net::ERR_CONNECTION_REFUSED").
When every request of the document was heard (HeardLog.whole: the agent's navigation, lately), the list is
what was heard, with no round trip to the page. Else the two are matched by URL, in order; a request heard
but not timed (still on its way, refused before it left, a frame of another site) is listed from what was
heard.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from browser_mcp.browser.secrets import HIDDEN

HEARD_LIMIT = 300  # per tab: the newest requests heard

# Kinds of request a page fetches to show itself; listed only when asked (include_static), unless they
# failed. Resource timing's initiator types and CDP's resource types.
STATIC_KINDS = frozenset(
    {"img", "image", "css", "stylesheet", "script", "link", "font", "audio", "video", "media", "icon", "other"}
)  # fmt: skip

# The page's entries as [url, initiator, status, duration ms], the document's first.
RESOURCES_JS = """(() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
  .map(e => [e.name, e.initiatorType, e.responseStatus ?? 0, Math.round(e.duration)]))()"""

# Query parameters whose values are the person's secrets (a login form sent with GET puts them there),
# by their names with case and punctuation left out.
_SECRET_PARAMETERS = frozenset(
    {"pass", "pwd", "passwd", "passcode", "pin", "otp", "onetimecode", "code2fa", "totp", "cvc", "cvv", "csc"}
    | {"cc", "ccnum", "ccnumber", "cardnumber", "cardno", "pan", "securitycode", "cccsc"}
)


@dataclass
class HeardRequest:
    """A request the tab's CDP session heard (while the agent acted)."""

    request_id: str
    document: int  # TabState.document when it began
    url: str
    method: str
    kind: str  # CDP's resource type, lower case ("fetch", "xhr", "image", "document"...)
    status: int = 0  # of the reply, once it came
    failure: str = ""  # why it failed ("net::ERR_CONNECTION_REFUSED"), or "" (it may still be on its way)
    ended: bool = False
    began_at: float = 0.0  # CDP's timestamps, in seconds
    ended_at: float = 0.0

    def listed(self) -> NetworkRequest:
        duration = round((self.ended_at - self.began_at) * 1000) if self.ended and self.ended_at else None
        return NetworkRequest(
            self.url, self.kind, self.method, self.status, self.failure, duration, pending=not self.ended
        )


@dataclass
class NetworkRequest:
    """One line of the list."""

    url: str
    kind: str
    method: str = ""  # "" when only the page's timing knows it (heard nothing)
    status: int = 0
    failure: str = ""
    duration_ms: int | None = None
    pending: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.failure) or self.status >= 400

    @property
    def static(self) -> bool:
        return self.kind in STATIC_KINDS

    def line(self, url_chars: int) -> str:
        parts = [self.method] if self.method else []
        if self.failure:
            parts.append(f"failed ({self.failure})")
        elif self.pending:
            parts.append("pending")
        elif self.status:
            parts.append(str(self.status))
        parts += [self.kind or "other", shorten_url(hide_secret_parameters(self.url), url_chars)]
        if self.duration_ms is not None and not self.pending:
            parts.append(f"{self.duration_ms} ms")
        return " ".join(parts)


@dataclass
class HeardLog:
    """The newest requests heard in one tab, by request id."""

    requests: dict[str, HeardRequest] = field(default_factory=dict)
    # The tab's latest navigation: it begins in the document it leaves, so it is kept apart.
    navigation: HeardRequest | None = None
    dropped: int = 0  # requests let go to keep HEARD_LIMIT
    # When the latest navigation was heard: (TabRequests.times_off, dropped) then.
    _at_navigation: tuple[int, int] = (-1, -1)
    _loader: str = ""  # the loader id of the document the tab shows (CDP's; its navigation request's id)

    def committed(self, loader_id: str) -> None:
        """The tab shows a new document (its main frame committed it)."""
        self._loader = loader_id

    def whole(self, times_off: int, hearing: bool) -> bool:
        """Whether every request of the document the tab shows was heard: the navigation heard is the one
        that led to it, hearing has not stopped since it began, and no request was let go."""
        navigation = self.navigation
        return (
            hearing
            and navigation is not None
            and navigation.request_id == self._loader
            and self._at_navigation == (times_off, self.dropped)
        )

    def of_whole_document(self, document: int) -> list[NetworkRequest]:
        """The document's requests, all heard (see whole): its navigation first."""
        heard = [self.navigation] if self.navigation is not None else []
        return [request.listed() for request in [*heard, *self.of_document(document)]]

    def began(
        self, event: dict[str, Any], document: int, *, tab_document: bool = False, times_off: int = 0
    ) -> None:
        request_id = str(event.get("requestId"))
        request = event.get("request") or {}
        kind = str(event.get("type") or "other").lower()
        heard = HeardRequest(
            request_id,
            document,
            str(request.get("url", "")),
            str(request.get("method", "")),
            kind,
            began_at=float(event.get("timestamp") or 0.0),
        )
        if tab_document:  # a redirect's next hop replaces the hop before
            self.navigation = heard
            self._at_navigation = (times_off, self.dropped)
            return
        earlier = self.requests.pop(request_id, None)
        if earlier is not None and "redirectResponse" in event:
            earlier.status = int(event["redirectResponse"].get("status") or 0)
            earlier.ended = True
            self._keep(f"{request_id}#{len(self.requests)}", earlier)  # the hop before the redirect
        self._keep(request_id, heard)

    def answered(self, event: dict[str, Any]) -> None:
        request = self._find(event)
        if request is not None:
            request.status = int((event.get("response") or {}).get("status") or 0)

    def finished(self, event: dict[str, Any]) -> None:
        request = self._find(event)
        if request is not None:
            request.ended, request.ended_at = True, float(event.get("timestamp") or 0.0)

    def failed(self, event: dict[str, Any]) -> None:
        request = self._find(event)
        if request is not None:
            request.ended, request.ended_at = True, float(event.get("timestamp") or 0.0)
            request.failure = "canceled" if event.get("canceled") else str(event.get("errorText") or "failed")

    def of_document(self, document: int) -> list[HeardRequest]:
        return [request for request in self.requests.values() if request.document == document]

    def _find(self, event: dict[str, Any]) -> HeardRequest | None:
        request_id = str(event.get("requestId"))
        navigation = self.navigation
        if navigation is not None and navigation.request_id == request_id:
            return navigation
        return self.requests.get(request_id)

    def _keep(self, key: str, request: HeardRequest) -> None:
        self.requests[key] = request
        while len(self.requests) > HEARD_LIMIT:
            del self.requests[next(iter(self.requests))]
            self.dropped += 1


def page_requests(
    timed: object, heard: Iterable[HeardRequest], navigation: HeardRequest | None = None
) -> list[NetworkRequest]:
    """The document's requests in the order they began: the page's timing entries (`timed`, from
    RESOURCES_JS), each completed by the heard request of the same URL, then what was heard only. The
    document's own entry takes the tab's latest `navigation` heard, if it led there."""
    unmatched = list(heard)
    listed: list[NetworkRequest] = []
    for entry in _entries(timed):
        url, initiator, status, duration = entry
        if initiator == "navigation":
            match = navigation if navigation is not None and navigation.url == url else None
        else:
            match = next((request for request in unmatched if request.url == url), None)
        if match is not None:
            if match in unmatched:
                unmatched.remove(match)
            listed.append(
                NetworkRequest(
                    url,
                    _kind(initiator, match.kind),
                    match.method,
                    match.status or status,
                    match.failure,
                    duration,
                )
            )
        else:
            listed.append(NetworkRequest(url, _kind(initiator, ""), status=status, duration_ms=duration))
    listed.extend(request.listed() for request in unmatched)
    return listed


def _entries(timed: object) -> list[tuple[str, str, int, int]]:
    if isinstance(timed, str):
        timed = json.loads(timed)
    entries: list[tuple[str, str, int, int]] = []
    for entry in timed if isinstance(timed, list) else []:
        if isinstance(entry, list) and len(entry) == 4:
            entries.append((str(entry[0]), str(entry[1]), int(entry[2] or 0), int(entry[3] or 0)))
    return entries


def _kind(initiator: str, heard: str) -> str:
    """One word for the kind: what was heard (fetch, xhr, image...) is more precise than the initiator."""
    if heard and heard != "other":
        return heard
    return {"xmlhttprequest": "xhr", "navigation": "document", "iframe": "document"}.get(initiator, initiator)


def hide_secret_parameters(url: str) -> str:
    """`url` with the values of query parameters named like a password, code or card number hidden."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [pair.partition("=") for pair in parts.query.split("&")]
    if not any(value and _secret_name(unquote_plus(name)) for name, _, value in pairs):
        return url
    query = "&".join(
        f"{name}={HIDDEN}" if value and _secret_name(unquote_plus(name)) else f"{name}{equals}{value}"
        for name, equals, value in pairs
    )
    return urlunsplit(parts._replace(query=query))


def _secret_name(name: str) -> bool:
    bare = "".join(character for character in name.lower() if character.isalnum())
    return bare in _SECRET_PARAMETERS or "password" in bare or "passphrase" in bare


def shorten_url(url: str, limit: int) -> str:
    """A long URL cut in its middle: where it goes and how it ends are what tell requests apart."""
    if len(url) <= limit:
        return url
    head = max(limit * 2 // 3, 1)
    tail = max(limit - head - 1, 0)
    return url[:head] + "…" + (url[-tail:] if tail else "")
