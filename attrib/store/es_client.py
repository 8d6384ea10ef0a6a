"""Talking to Elasticsearch: the connection settings, the client, retries and errors.

:class:`Connection` is parsed from a store URL plus credentials from flags or the
environment::

    http(s)://[USER:PASSWORD@]HOST:PORT[/INDEX][?shards=N&replicas=N]

``INDEX`` names the attrib index (default ``attrib``; its data lives in the
Elasticsearch indices ``INDEX-meta``, ``-files``, ``-sources``, ``-postings``);
``shards``/``replicas`` apply when the index is created. Credentials:
``ATTRIB_ES_USER``/``ATTRIB_ES_PASSWORD`` or ``ATTRIB_ES_API_KEY``, and a CA certificate
for https in ``ATTRIB_ES_CA_CERT`` (or the matching ``--es-*`` flags). Secrets never
appear in :attr:`Connection.location` or in any message.

:func:`call` runs one request with back-off on what is worth retrying (429 Too Many
Requests, 502/503/504, connection errors and timeouts) and turns everything else into
one :class:`StoreError` line that names the URL and the likely fix.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import MissingExtra, StoreError

T = TypeVar("T")

DEFAULT_INDEX = "attrib"
RETRY_STATUSES = (429, 502, 503, 504)
_INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,200}$")


@dataclass(frozen=True)
class Connection:
    """Where an Elasticsearch store lives and how to log in (``repr`` hides secrets)."""

    url: str  # scheme://host:port, no credentials
    index: str = DEFAULT_INDEX
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    ca_cert: str | None = None
    shards: int | None = None
    replicas: int | None = None
    #: How long to keep retrying a request that failed in a retryable way, in seconds.
    retry_seconds: float = 60.0

    @property
    def location(self) -> str:
        """The URL to show people: never carries a password or key."""
        return f"{self.url}/{self.index}"

    @classmethod
    def parse(cls, url: str, *, user: str | None = None, password: str | None = None,
              api_key: str | None = None, ca_cert: str | None = None,
              env: Mapping[str, str] = os.environ) -> "Connection":
        """Read a store URL; explicit arguments win over the URL, the URL over ``env``."""
        parts = urlsplit(url)
        shown = f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if _port(parts) else "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"bad Elasticsearch URL {shown}: use http(s)://HOST:PORT[/INDEX]")
        index = parts.path.strip("/") or DEFAULT_INDEX
        if not _INDEX_NAME.match(index):
            raise StoreError(f"bad index name {index!r} in {shown}: use lowercase letters, digits, '-', '_' or '.'")
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        unknown = set(query) - {"shards", "replicas"}
        if unknown:
            raise StoreError(f"unknown option {sorted(unknown)[0]!r} in the store URL {shown}/{index}: "
                             "only ?shards=N&replicas=N")
        counts = {name: _count(query[name], name, shown) for name in ("shards", "replicas") if name in query}
        retry = env.get("ATTRIB_ES_RETRY_SECONDS")
        return cls(
            url=shown,
            index=index,
            user=user or (unquote(parts.username) if parts.username else None) or env.get("ATTRIB_ES_USER") or None,
            password=password or (unquote(parts.password) if parts.password else None)
            or env.get("ATTRIB_ES_PASSWORD") or None,
            api_key=api_key or env.get("ATTRIB_ES_API_KEY") or None,
            ca_cert=ca_cert or env.get("ATTRIB_ES_CA_CERT") or None,
            shards=counts.get("shards"),
            replicas=counts.get("replicas"),
            retry_seconds=float(retry) if retry else 60.0,
        )

    def client(self):
        """A client for this connection (retries are :func:`call`'s job, not the client's)."""
        try:
            from elasticsearch import Elasticsearch
        except ImportError:
            raise MissingExtra("elastic", "the Elasticsearch store") from None
        if self.ca_cert and not os.path.isfile(self.ca_cert):
            raise StoreError(f"CA certificate {self.ca_cert} not found (--es-ca-cert / ATTRIB_ES_CA_CERT)")
        auth: dict = {}
        if self.api_key:
            auth["api_key"] = self.api_key
        elif self.user:
            auth["basic_auth"] = (self.user, self.password or "")
        try:  # several times faster (de)serialisation of bulk bodies and hits, when installed
            from elasticsearch.serializer import OrjsonSerializer
            auth["serializer"] = OrjsonSerializer()
        except ImportError:  # pragma: no cover
            pass
        if self.ca_cert:
            auth["ca_certs"] = self.ca_cert
        return Elasticsearch(self.url, max_retries=0, request_timeout=120, http_compress=False, **auth)


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise StoreError(f"bad port in the Elasticsearch URL {parts.scheme}://{parts.hostname}") from None


def _count(value: str, name: str, where: str) -> int:
    if not value.isdigit() or (name == "shards" and int(value) == 0):
        raise StoreError(f"bad {name}={value!r} in the store URL {where}: a whole number"
                         + (" of at least 1" if name == "shards" else ""))
    return int(value)


def call(conn: Connection, what: str, request: Callable[[], T], *, retry_seconds: float | None = None) -> T:
    """Run ``request``; back off and retry what is transient; explain what is not.

    ``what`` says what was being done, for the message (e.g. "storing a batch").
    """
    from elasticsearch import ApiError, ConnectionError as ESConnectionError, ConnectionTimeout
    from elasticsearch import UnsupportedProductError

    deadline = time.monotonic() + (conn.retry_seconds if retry_seconds is None else retry_seconds)
    delay = 0.25
    while True:
        try:
            return request()
        except UnsupportedProductError:  # an ApiError too: first
            raise StoreError(f"{conn.url} is not an Elasticsearch server (it did not answer like one)") from None
        except ApiError as e:
            if e.meta.status not in RETRY_STATUSES or time.monotonic() + delay > deadline:
                raise explain(conn, what, e) from None
        except (ESConnectionError, ConnectionTimeout) as e:
            if time.monotonic() + delay > deadline:
                raise explain(conn, what, e) from None
        time.sleep(delay)
        delay = min(delay * 2, 8.0)


def explain(conn: Connection, what: str, e: Exception) -> StoreError:
    """One line for a failed request: what happened at which URL, and what to do."""
    from elasticsearch import ApiError, ConnectionTimeout

    where = conn.url
    if isinstance(e, ApiError):
        status = e.meta.status
        if status == 401:
            how = "--es-api-key / ATTRIB_ES_API_KEY" if conn.api_key else \
                "--es-user and --es-password / ATTRIB_ES_USER and ATTRIB_ES_PASSWORD"
            return StoreError(f"Elasticsearch at {where} refused the credentials (401 Unauthorized) while {what}: "
                              f"check {how}" + ("" if conn.user or conn.api_key else " (none were given)"))
        if status == 403:
            return StoreError(f"Elasticsearch at {where} denied {what} (403 Forbidden): the user or API key needs "
                              f"read and write privileges on the indices {conn.index}-*")
        if status in RETRY_STATUSES:
            return StoreError(f"Elasticsearch at {where} is overloaded or unavailable ({status}) while {what}, "
                              f"after retrying for {conn.retry_seconds:.0f} s: try again later, or give it more "
                              f"resources")
        return StoreError(f"Elasticsearch at {where} failed {what} ({status} {_reason(e)})")
    text = str(e)
    if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
        return StoreError(f"cannot verify the TLS certificate of {where} while {what}: pass the cluster's CA "
                          f"certificate with --es-ca-cert / ATTRIB_ES_CA_CERT")
    kind = "timed out" if isinstance(e, ConnectionTimeout) else "unreachable"
    return StoreError(f"Elasticsearch at {where} is {kind} while {what}: is it running? Check the URL "
                      f"(--store / ATTRIB_STORE), or start a local node with `scripts/elasticsearch start`")


def _reason(e) -> str:
    """The root cause an Elasticsearch error body gives, in one line."""
    body = e.body if isinstance(getattr(e, "body", None), dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        causes = err.get("root_cause") or [err]
        return f"{causes[0].get('type', '')}: {causes[0].get('reason', '')}".strip(": ")
    return str(err or e.message)
