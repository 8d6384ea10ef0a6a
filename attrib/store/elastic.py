"""The Elasticsearch store: the same :class:`Store` at The Stack's scale.

Layout: an attrib index named ``NAME`` (``http://host:9200/NAME``) is four
Elasticsearch indices, each designed for its one workload:

``NAME-meta``
    one record: schema version, fingerprint parameters, replica count. Read when the
    store is opened and again, inside the same request, before every lookup, so a
    query never runs against an index built with other parameters.
``NAME-files``
    one document per blob, ``_id`` = blob sha: the content (kept for verification and
    display, and indexed for full-text search; ``best_compression``: 0.6x the bytes of
    the default codec, for a few milliseconds more to fetch a scan's candidates),
    language, size, the licenses and copyright lines its header states, and ``fid`` -- a
    63-bit number derived from the sha that the matcher uses as the file id.
``NAME-sources``
    one document per place a blob was seen (repo, path, commit, licenses, stars, the
    repository's declared licenses, the earliest date known for the repository),
    ``_id`` = a hash of those, so recording the same place twice is a no-op.
``NAME-postings``
    the inverted index. A document holds up to :data:`CHUNK` consecutive postings of
    one file: their band keys as terms of ``k`` -- six characters each, the 36-bit key
    hash the embedded store keeps too (:mod:`.postings`), sent as one space-separated
    string that the ``whitespace`` analyzer cuts into those terms (indexed as a
    ``keyword`` array's would be: documents only, no norms, so searches and counts
    answer the same; the node parses one value instead of 256: 0.8x its CPU) -- and, packed in
    ``w`` (binary doc values: no ``_source`` at all), each posting's key hash and window
    line in 6 bytes. A lookup is a ``bool``/``should`` of ``term`` queries -- BM25 ranks
    the chunks that share the most (and the rarest) keys first -- and the packed arrays
    of the hits give the exact (key, file, line) postings, like the embedded store's.

Every ``_id`` is deterministic, so indexing the same blob twice rewrites the same
documents: re-runs never duplicate. A blob's ``-files`` document is written only after
all its postings and sources were acknowledged, and ``known()`` looks at ``-files``
(realtime ``mget``): a run interrupted anywhere leaves blobs either complete or
unknown, and the re-run redoes the unknown ones. While loading, refresh is off and
replicas are 0; both are restored when the store is closed.

Writes overlap with the caller's work: :meth:`ElasticStore.add` hands the batch to a
writer thread and returns, so the next batch is fingerprinted while Elasticsearch
indexes this one. At most one batch is in flight (memory stays bounded); its failure
is raised by the next ``add``, read or ``close``. :meth:`ElasticStore.finish` (the end of
``attrib index``) restores the settings, force-merges every index to one segment (the
size and speed of a settled index) and refreshes.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..errors import ParamsMismatch, StoreError
from ..params import FingerprintParams, check_compatible, from_record
from ..records import Provenance
from . import postings as pst
from .base import IndexEntry, KeyCounts, Postings, Store, StoredFile, StoreStats, check_entries, keep_shared
from .es_client import Connection, call, explain

SCHEMA_VERSION = 4  # 4: the postings' key terms in one whitespace-analyzed text value
CHUNK = 256  # postings per postings document (about 32 windows: 64 lines of a file)
QUERY_TERMS = 1024  # term clauses per search (well under the cluster's clause limit)
COUNTS_PER_SEARCH = 1000  # key counts asked in one search (filters of one aggregation)
HITS_PER_SEARCH = 1000  # best-ranked postings documents kept per search
SETTLE_BYTES = 64 << 20  # a postings index this big waits, at the end of a load, to drop its recovery source
META_ID = "index"
BULK_DOCS = 1000
BULK_BYTES = 8 << 20
LOAD_REFRESH = "-1"
BULK_STREAMS = 2  # concurrent bulk requests

_KEYWORD = {"type": "keyword"}
# The files' text, fetched for the candidates of every scan, is most of the files index:
# DEFLATE keeps it in 0.6x the space of the default LZ4 (0.17 MB less per MB of code).
SETTINGS = {"files": {"codec": "best_compression"}}
MAPPINGS = {
    "meta": {"dynamic": False, "properties": {"schema_version": {"type": "integer"}}},
    "files": {"dynamic": "strict", "properties": {
        "fid": {"type": "long"}, "sha": _KEYWORD, "lang": _KEYWORD, "size": {"type": "long"},
        "lines": {"type": "integer"},
        # What the file's own header states (attrib.evidence): kept, not searched.
        "file_licenses": _KEYWORD, "copyrights": {"type": "keyword", "index": False, "doc_values": False},
        # Full-text search (attrib serve): words of the code, standard analyzer, no positions.
        "content": {"type": "text", "index_options": "freqs"}}},
    "sources": {"dynamic": "strict", "properties": {
        "fid": {"type": "long"}, "sha": _KEYWORD, "repo": _KEYWORD, "path": _KEYWORD, "commit": _KEYWORD,
        "licenses": _KEYWORD, "stars": {"type": "integer"},
        "repo_licenses": _KEYWORD, "first_seen": {"type": "keyword", "index": False}}},
    "postings": {"dynamic": "strict", "_source": {"enabled": False}, "properties": {
        "f": {"type": "long", "index": False},
        "k": {"type": "text", "analyzer": "whitespace", "index_options": "docs", "norms": False},
        "w": {"type": "binary", "doc_values": True}, "n": {"type": "integer", "index": False}}},
}


def file_id(sha: str) -> int:
    """The matcher's id of a blob: 63 bits of a hash of its sha (stable everywhere)."""
    return int.from_bytes(hashlib.blake2b(sha.encode(), digest_size=8).digest(), "big") >> 1


_ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", dtype=np.uint8)
_TERM_CHARS = pst.KEY_BITS // 6


def key_text(hashes: np.ndarray) -> str:
    """36-bit key hashes as 6-character terms (base64 digits), each followed by a
    space (vectorised): term ``i`` is ``text[7 * i:7 * i + 6]``."""
    shifts = np.arange(_TERM_CHARS - 1, -1, -1, dtype=np.uint64) * np.uint64(6)
    digits = (np.asarray(hashes, dtype=np.uint64)[:, None] >> shifts) & np.uint64(63)
    chars = np.full((len(digits), _TERM_CHARS + 1), ord(" "), dtype=np.uint8)
    chars[:, :_TERM_CHARS] = _ALPHABET[digits.astype(np.intp)]
    return chars.tobytes().decode("ascii")


def key_terms(hashes: np.ndarray) -> list[str]:
    """36-bit key hashes as the 6-character terms of ``k``."""
    return key_text(hashes).split()


def chunk_bounds(lines: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Cut sorted ``lines`` into runs of about ``size``, never inside one line's postings,
    each spanning fewer than 2^:data:`_OFFSET_BITS` lines."""
    bounds, start = [], 0
    while start < len(lines):
        end = min(start + size, len(lines))
        end = int(np.searchsorted(lines, lines[end - 1], side="right"))  # finish that line
        end = min(end, int(np.searchsorted(lines, lines[start] + (1 << _OFFSET_BITS) - 1, side="right")))
        bounds.append((start, end))
        start = end
    return bounds


_OFFSET_BITS = 12  # a posting's line, counted from the chunk's first line
_RECORD = (pst.KEY_BITS + _OFFSET_BITS) // 8  # 6 bytes


def pack(hashes: np.ndarray, lines: np.ndarray) -> str:
    """One chunk's postings as one value: its first line (4 bytes), then per posting the
    key hash above the line's offset from it, in 6 little-endian bytes."""
    base = int(np.min(lines))
    value = (np.asarray(hashes, dtype=np.uint64) << np.uint64(_OFFSET_BITS)) | (np.asarray(lines) - base).astype(
        np.uint64)
    records = value.astype("<u8").view(np.uint8).reshape(-1, 8)[:, :_RECORD].tobytes()
    return base64.b64encode(base.to_bytes(4, "little") + records).decode()


def unpack(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Packed values, concatenated: (key hashes, lines, how many postings each value held)."""
    raw = [base64.b64decode(v) for v in values]
    counts = np.array([(len(r) - 4) // _RECORD for r in raw], dtype=np.int64)
    bases = np.array([int.from_bytes(r[:4], "little") for r in raw], dtype=np.int64)
    records = np.frombuffer(b"".join(r[4:] for r in raw), dtype=np.uint8).reshape(-1, _RECORD)
    padded = np.zeros((len(records), 8), dtype=np.uint8)
    padded[:, :_RECORD] = records
    value = padded.view("<u8").ravel()
    lines = (value & np.uint64((1 << _OFFSET_BITS) - 1)).astype(np.int64) + np.repeat(bases, counts)
    return value >> np.uint64(_OFFSET_BITS), lines, counts


class ElasticStore(Store):
    """An attrib index in an Elasticsearch 8 cluster. ``create=False`` refuses a missing one."""

    def __init__(self, conn: Connection, *, create: bool = False) -> None:
        self.conn = conn
        self.location = conn.location
        self.name = conn.index
        self._es = conn.client()
        self._ix = {part: f"{conn.index}-{part}" for part in MAPPINGS}
        self._loading = False
        self._searchable: bool | None = None  # whether the files index has full-text content
        self._dirty = False
        self._postings_total: int | None = None  # cached sum of postings (key_counts), reset by writes
        self._writer: ThreadPoolExecutor | None = None
        self._pending: Future | None = None
        meta = self._read_meta(retry_seconds=2.0)
        if meta is None:
            if not create:
                raise StoreError(f"no index at {self.location}: build one with "
                                 f"`attrib --store {self.location} index SOURCE`")
            self._create()
            meta = self._read_meta()
        assert meta is not None
        version = meta.get("schema_version")
        if isinstance(version, int) and version < SCHEMA_VERSION:
            raise StoreError(f"{self.location} is an index in an older format (version {version}) that this attrib "
                             f"no longer reads: index the code again into a new index name, e.g. "
                             f"`attrib --store {self.conn.url}/NEW index SOURCE`")
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.location} has index format version {version}; this attrib reads version "
                             f"{SCHEMA_VERSION}: use a newer attrib, or index the code again")
        self._meta = meta

    # -- schema and parameters -------------------------------------------------
    def _call(self, what: str, request, **kw):
        return call(self.conn, what, request, **kw)

    def _read_meta(self, **kw) -> dict | None:
        from elasticsearch import NotFoundError

        def get():
            try:
                return self._es.get(index=self._ix["meta"], id=META_ID)
            except NotFoundError as e:
                if e.meta.headers.get("x-elastic-product") != "Elasticsearch":
                    raise StoreError(f"{self.conn.url} is not an Elasticsearch server (it did not answer "
                                     "like one)") from None
                return None

        doc = self._call(f"opening {self.location}", get, **kw)
        if doc is None:
            return None
        return {**doc["_source"], "_seq_no": doc["_seq_no"], "_primary_term": doc["_primary_term"]}

    def _create(self) -> None:
        """Make the four indices (meta last: its record means the store exists)."""
        from elasticsearch import BadRequestError, ConflictError

        health = self._call("reading the cluster health", lambda: self._es.cluster.health())
        replicas = self.conn.replicas if self.conn.replicas is not None else min(1, health["number_of_data_nodes"] - 1)
        shards = self.conn.shards or 1
        for part in ("files", "sources", "postings", "meta"):
            settings = {"number_of_shards": 1 if part == "meta" else shards, "number_of_replicas": replicas,
                        **SETTINGS.get(part, {})}
            self._call(f"creating {self._ix[part]}", _tolerating(
                BadRequestError, lambda part=part, settings=settings: self._es.indices.create(
                    index=self._ix[part], settings=settings, mappings=MAPPINGS[part])))
        # Another indexer may have created the store meanwhile: then its record stands.
        self._call("recording the index metadata", _tolerating(ConflictError, lambda: self._es.create(
            index=self._ix["meta"], id=META_ID, refresh="wait_for",
            document={"schema_version": SCHEMA_VERSION, "replicas": replicas, "params": None})))

    def params(self) -> FingerprintParams | None:
        raw = self._meta.get("params")
        return from_record(raw, self.location) if raw else None

    def ensure_params(self, params: FingerprintParams) -> None:
        current = self.params()
        if current is not None:
            check_compatible(current, params, self.location)
            return
        from elasticsearch import ConflictError

        doc = {k: v for k, v in self._meta.items() if not k.startswith("_")}
        doc["params"] = json.dumps(params.to_dict())
        try:  # compare-and-set: two indexers starting at once cannot record different params
            self._es.index(index=self._ix["meta"], id=META_ID, document=doc, refresh="wait_for",
                           if_seq_no=self._meta["_seq_no"], if_primary_term=self._meta["_primary_term"])
        except ConflictError:
            pass
        except Exception as e:  # noqa: BLE001 - turned into one clear line
            raise explain(self.conn, "recording the fingerprint parameters", e) from None
        self._meta = self._read_meta() or self._meta
        check_compatible(self.params() or params, params, self.location)

    # -- writing ---------------------------------------------------------------
    def known(self, shas: Sequence[str]) -> set[str]:
        shas = list(dict.fromkeys(shas))
        found: set[str] = set()
        for i in range(0, len(shas), 1000):
            part = shas[i:i + 1000]
            resp = self._call("checking which files are indexed", lambda: self._es.mget(
                index=self._ix["files"], ids=part, source=False))
            found.update(d["_id"] for d in resp["docs"] if d.get("found"))
        return found

    def add(self, entries: Sequence[IndexEntry], seen: Sequence[tuple[str, Provenance]] = ()) -> None:
        check_entries(entries)
        self._wait()
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attrib-es-writer")
        self._pending = self._writer.submit(self._write, list(entries), list(seen))

    def _wait(self) -> None:
        """Wait for the batch in flight; raise its error, if any."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _write(self, entries: list[IndexEntry], seen: list[tuple[str, Provenance]]) -> None:
        batch = {e.file.sha for e in entries}
        if seen:
            extra = {sha for sha, _ in seen} - batch
            stored = self.known(sorted(extra)) if extra else set()
            seen = [(sha, p) for sha, p in seen if sha in batch or sha in stored]
        if not entries and not seen:
            return
        self._start_loading()
        places = [(e.file.sha, e.file.provenance()) for e in entries] + list(seen)
        failed = self._bulk("storing fingerprints and sources",
                            [*self._postings_docs(entries), *self._source_docs(places)])
        complete = [e for e in entries if e.file.sha not in failed.shas]
        failed.merge(self._bulk("storing files", self._file_docs(complete)))
        self._dirty = True
        self._postings_total = None
        if failed.count:
            raise StoreError(f"{failed.count} documents were not stored at {self.location} ({failed.reason}); "
                             f"{len(failed.shas)} files were left unindexed: re-run the same command to retry them")

    def _postings_docs(self, entries: Iterable[IndexEntry]) -> Iterator[dict]:
        for e in entries:
            fid = file_id(e.file.sha)
            prefix = base64.urlsafe_b64encode(hashlib.blake2b(e.file.sha.encode(), digest_size=12).digest()).decode()
            order = np.argsort(e.lines, kind="stable")  # a chunk covers neighbouring lines
            hashes, lines = pst.key_hash(e.keys)[order], np.asarray(e.lines)[order]
            text = key_text(hashes)  # the whole file at once: per chunk, this dominated
            step = _TERM_CHARS + 1
            for n, (start, end) in enumerate(chunk_bounds(lines, CHUNK)):
                yield {"_index": self._ix["postings"], "_id": f"{prefix}{n}", "_sha": e.file.sha,
                       "_source": {"f": fid, "k": text[start * step:end * step - 1],
                                   "w": pack(hashes[start:end], lines[start:end]), "n": end - start}}

    def _source_docs(self, places: Iterable[tuple[str, Provenance]]) -> Iterator[dict]:
        for sha, p in places:
            pid = hashlib.sha1("\0".join((sha, p.repo, p.path, p.commit)).encode()).hexdigest()
            yield {"_index": self._ix["sources"], "_id": pid, "_sha": sha, "_source": {
                "fid": file_id(sha), "sha": sha, "repo": p.repo, "path": p.path, "commit": p.commit,
                "licenses": list(p.licenses), "stars": p.stars, "repo_licenses": list(p.repo_licenses),
                "first_seen": p.first_seen}}

    def _file_docs(self, entries: Iterable[IndexEntry]) -> Iterator[dict]:
        for e in entries:
            f = e.file
            yield {"_index": self._ix["files"], "_id": f.sha, "_sha": f.sha, "_source": {
                "fid": file_id(f.sha), "sha": f.sha, "lang": f.lang, "size": f.size,
                "lines": f.content.count("\n") + 1, "content": f.content,
                "file_licenses": list(f.file_licenses), "copyrights": list(f.copyrights)}}

    def _bulk(self, what: str, docs: list[dict] | Iterator[dict]) -> "_Failures":
        """Bulk-load through the client's helper, :data:`BULK_STREAMS` requests at a time
        (a shard indexes concurrent requests in parallel): 429s back off and retry per
        document; a lost connection retries the whole (idempotent) part; other failures
        are counted."""
        from elasticsearch.helpers import streaming_bulk

        docs = list(docs)
        sha_of = {(d["_index"], d["_id"]): d.pop("_sha") for d in docs}

        def load(part: list[dict]) -> _Failures:
            failures = _Failures()
            for ok, item in streaming_bulk(self._es, part, chunk_size=BULK_DOCS, max_chunk_bytes=BULK_BYTES,
                                           max_retries=12, initial_backoff=0.5, max_backoff=16,
                                           raise_on_error=False, raise_on_exception=False, yield_ok=False):
                op = next(iter(item.values()))
                failures.add(sha_of.get((op.get("_index"), op.get("_id")), "?"), op)
            return failures

        parts = [docs[i::BULK_STREAMS] for i in range(BULK_STREAMS)]
        with ThreadPoolExecutor(max_workers=BULK_STREAMS, thread_name_prefix="attrib-es-bulk") as pool:
            results = list(pool.map(lambda part: self._call(what, lambda: load(part)), parts))
        failures = _Failures()
        for r in results:
            failures.merge(r)
        return failures

    def _start_loading(self) -> None:
        """Refresh off and no replicas while loading (restored by :meth:`close`)."""
        if self._loading:
            return
        self._put_settings("preparing the indices for loading",
                           {"refresh_interval": LOAD_REFRESH, "number_of_replicas": 0})
        self._loading = True

    def _put_settings(self, what: str, settings: dict, retry_seconds: float | None = None) -> None:
        names = ",".join(self._ix[p] for p in ("files", "sources", "postings"))
        self._call(what, lambda: self._es.indices.put_settings(index=names, settings={"index": settings}),
                   retry_seconds=retry_seconds)

    def _refresh(self, retry_seconds: float | None = None) -> None:
        if self._dirty:
            names = ",".join(self._ix[p] for p in ("files", "sources", "postings"))
            self._call("refreshing the indices", lambda: self._es.indices.refresh(index=names),
                       retry_seconds=retry_seconds)
            self._dirty = False

    # -- reading ---------------------------------------------------------------
    def lookup(self, keys: np.ndarray, min_shared: int = 1) -> Postings:
        self._wait()
        self._refresh()
        query = np.unique(np.asarray(keys, dtype=np.int64))
        wanted = np.unique(pst.key_hash(query))
        terms = key_terms(wanted)
        searches: list[dict] = [{"index": self._ix["meta"]}, {"query": {"ids": {"values": [META_ID]}}, "size": 1}]
        # In one search, a document whose window shares min_shared keys shares at least
        # that many itself (a line's postings are never split between documents).
        at_least = min_shared if len(terms) <= QUERY_TERMS else 1
        for i in range(0, len(terms), QUERY_TERMS):
            should = [{"term": {"k": t}} for t in terms[i:i + QUERY_TERMS]]
            searches += [{"index": self._ix["postings"]},
                         {"query": {"bool": {"should": should, "minimum_should_match": at_least}},
                          "size": HITS_PER_SEARCH, "track_total_hits": False, "_source": False,
                          "docvalue_fields": ["f", "w"]}]
        responses = self._msearch("looking up fingerprints", searches)
        self._check_meta(responses[0])
        packed, owners, seen = [], [], set()
        for resp in responses[1:]:
            for hit in resp["hits"]["hits"]:
                if hit["_id"] not in seen:
                    seen.add(hit["_id"])
                    packed.append(hit["fields"]["w"][0])
                    owners.append(hit["fields"]["f"][0])
        hashes, lines, counts = unpack(packed)
        files = np.repeat(np.array(owners, dtype=np.int64), counts)
        mask = np.isin(hashes, wanted)  # the hit documents' other postings are not hits
        hashes, files, lines = hashes[mask], files[mask], lines[mask]
        keys, which = pst.expand_to_keys(query, hashes)
        return keep_shared(Postings(keys, files[which], lines[which]), min_shared)

    def key_counts(self, keys: np.ndarray) -> KeyCounts:
        """Per key, the postings documents holding it (one ``filters`` aggregation of
        ``term`` filters per :data:`COUNTS_PER_SEARCH` keys: the node counts each from
        its terms index, about half the time of one counted search per key); the total
        is the sum of ``n`` over postings documents, kept until this store writes again."""
        self._wait()
        self._refresh()
        unique, inverse = np.unique(pst.key_hash(np.asarray(keys, dtype=np.int64)), return_inverse=True)
        terms = key_terms(unique)
        found = np.zeros(len(unique), dtype=np.int64)
        searches: list[dict] = []
        for i in range(0, len(terms), COUNTS_PER_SEARCH):
            filters = [{"term": {"k": t}} for t in terms[i:i + COUNTS_PER_SEARCH]]
            searches += [{"index": self._ix["postings"]},
                         {"size": 0, "track_total_hits": False, "aggs": {"n": {"filters": {"filters": filters}}}}]
        if searches:
            responses = self._msearch("counting fingerprints", searches)
            found[:] = [b["doc_count"] for r in responses for b in r["aggregations"]["n"]["buckets"]]
        if self._postings_total is None:
            [resp] = self._msearch("counting postings", [
                {"index": self._ix["postings"]},
                {"size": 0, "track_total_hits": False, "aggs": {"n": {"sum": {"field": "n"}}}}])
            self._postings_total = int(resp["aggregations"]["n"]["value"])
        return KeyCounts(found[inverse], self._postings_total)

    def _msearch(self, what: str, searches: list[dict]) -> list[dict]:
        resp = self._call(what, lambda: self._es.msearch(searches=searches))
        for r in resp["responses"]:
            if "error" in r:
                err = r["error"]
                cause = (err.get("root_cause") or [err])[0] if isinstance(err, dict) else {"reason": err}
                if cause.get("type") == "index_not_found_exception":
                    raise StoreError(f"the index at {self.location} was deleted while in use")
                raise StoreError(f"Elasticsearch at {self.conn.url} failed {what}: "
                                 f"{cause.get('type', '')} {cause.get('reason', '')}".rstrip())
        return resp["responses"]

    def _check_meta(self, resp: dict) -> None:
        hits = resp["hits"]["hits"]
        if not hits:
            raise StoreError(f"the index at {self.location} lost its metadata record: re-index it")
        raw = hits[0]["_source"].get("params")
        if raw != self._meta.get("params"):
            mine = self.params()
            self._meta = {**self._meta, "params": raw}
            theirs = self.params()
            if mine is None or theirs is None:
                raise ParamsMismatch(f"the fingerprint parameters of {self.location} changed while in use")
            check_compatible(theirs, mine, self.location)

    def files(self, ids: Sequence[int]) -> dict[int, StoredFile]:
        self._wait()
        self._refresh()
        ids = sorted({int(i) for i in ids})
        out: dict[int, StoredFile] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            files, sources = self._msearch("reading source files", [
                {"index": self._ix["files"]},
                {"query": {"terms": {"fid": part}}, "size": len(part), "track_total_hits": False},
                {"index": self._ix["sources"]},
                {"query": {"terms": {"fid": part}}, "size": 10_000, "track_total_hits": False}])
            provs: dict[int, list[Provenance]] = {}
            for hit in sources["hits"]["hits"]:
                s = hit["_source"]
                provs.setdefault(s["fid"], []).append(
                    Provenance(s["repo"], s["path"], s["commit"], tuple(s["licenses"]), s.get("stars"),
                               tuple(s.get("repo_licenses") or ()), s.get("first_seen")))
            for hit in files["hits"]["hits"]:
                s = hit["_source"]
                seen = sorted(provs.get(s["fid"], []), key=lambda p: (-(p.stars or 0), p.repo, p.path))
                out[s["fid"]] = StoredFile(s["fid"], s["sha"], s.get("lang"), s["size"], s["content"], tuple(seen),
                                           tuple(s.get("file_licenses") or ()), tuple(s.get("copyrights") or ()))
        return out

    def content(self, sha: str) -> str | None:
        self._wait()
        self._refresh()
        [resp] = self._msearch("reading a source file", [
            {"index": self._ix["files"]},
            {"query": {"ids": {"values": [sha]}}, "size": 1, "track_total_hits": False, "_source": ["content"]}])
        hits = resp["hits"]["hits"]
        return hits[0]["_source"]["content"] if hits else None

    def full_text(self, terms: Sequence[str], *, lang: str | None = None, license: str | None = None,
                  limit: int = 20) -> list[int]:
        """A ``simple_query_string`` of prefix terms over the files' content. Licenses
        live on the sources, so with a license filter more files are fetched and
        :meth:`Store.search` keeps those seen under it."""
        self._wait()
        self._refresh()
        if self._searchable is None:
            mapping = self._call("reading the files mapping", lambda: self._es.indices.get_mapping(
                index=self._ix["files"]))
            props = next(iter(mapping.body.values()))["mappings"]["properties"]
            self._searchable = props.get("content", {}).get("index") is not False
        if not self._searchable:
            raise StoreError(f"the index at {self.location} was created before full-text search: "
                             f"index it again into a new index name to search it")
        query: dict = {"bool": {"must": [{"simple_query_string": {
            "query": " ".join(t + "*" for t in terms), "fields": ["content"], "default_operator": "and",
            "analyze_wildcard": True}}]}}
        if lang:
            query["bool"]["filter"] = [{"term": {"lang": lang}}]
        [resp] = self._msearch("searching the code", [
            {"index": self._ix["files"]},
            {"query": query, "size": limit * (5 if license else 1), "_source": ["fid"],
             "sort": ["_score", {"sha": "asc"}], "track_total_hits": False}])
        return [hit["_source"]["fid"] for hit in resp["hits"]["hits"]]

    def stats(self) -> StoreStats:
        self._wait()
        self._refresh()
        files, sources, postings = self._msearch("reading index statistics", [
            {"index": self._ix["files"]},
            {"size": 0, "track_total_hits": True, "aggs": {
                "bytes": {"sum": {"field": "size"}}, "langs": {"terms": {"field": "lang", "size": 200,
                                                                         "missing": "?"}}}},
            {"index": self._ix["sources"]},
            {"size": 0, "track_total_hits": True, "aggs": {
                "repos": {"cardinality": {"field": "repo", "precision_threshold": 40000}},
                "top": {"terms": {"field": "repo", "size": 20, "order": [{"_count": "desc"}, {"_key": "asc"}]}},
                "licenses": {"terms": {"field": "licenses", "size": 500, "missing": "(none)"}}}},
            {"index": self._ix["postings"]},
            {"size": 0, "track_total_hits": False, "aggs": {"n": {"sum": {"field": "n"}}}}])
        fa, sa = files["aggregations"], sources["aggregations"]
        sizes = self._call("reading the index sizes", lambda: self._es.indices.stats(
            index=",".join(self._ix.values()), metric="store"))
        params = self.params()
        return StoreStats(
            name=self.name, location=self.location, files=files["hits"]["total"]["value"],
            sources=sources["hits"]["total"]["value"], repos=int(sa["repos"]["value"]),
            bytes=int(fa["bytes"]["value"]), postings=int(postings["aggregations"]["n"]["value"]),
            languages={b["key"]: b["doc_count"] for b in fa["langs"]["buckets"]},
            top_repos={b["key"]: b["doc_count"] for b in sa["top"]["buckets"]},
            licenses={b["key"]: b["doc_count"] for b in sa["licenses"]["buckets"]},
            params=params.to_dict() if params else {}, schema_version=SCHEMA_VERSION,
            index_bytes=sizes["_all"]["primaries"]["store"]["size_in_bytes"])

    def finish(self) -> None:
        """Restore the loading settings, force-merge every index to one segment, refresh.

        A postings document has no ``_source``, so Elasticsearch keeps its original
        (``_recovery_source``, twice the postings' own size) until the shard's retention
        lease has moved past it -- a background sync, every 30 s -- and a merge after a
        commit holding it drops it. After a load worth it, the merge waits for that sync
        (the refresh that writes the last loaded documents into segments, seconds per
        100 MB of code, runs meanwhile), gives a shard the load left in one segment a
        second one (:meth:`_split_single_segments`: merging one segment is a no-op) and
        commits (flush).
        """
        self._wait()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="attrib-es-leases") as pool:
            leases = pool.submit(self._await_retention_leases)
            self._finish_loading(retry_seconds=None)
            released = leases.result()
        if released:
            self._split_single_segments()
            # A merge drops recovery sources only up to what the last commit holds.
            self._call("committing the postings", lambda: self._es.indices.flush(index=self._ix["postings"]))
        names = ",".join(self._ix[p] for p in ("files", "sources", "postings"))
        self._call("merging the indices", lambda: self._es.options(request_timeout=24 * 3600).indices.forcemerge(
            index=names, max_num_segments=1, wait_for_completion=True))
        self._dirty = True
        self._refresh()

    def _await_retention_leases(self, timeout: float = 90.0) -> bool:
        """Wait (at most ``timeout`` s) until no retention lease keeps an operation of a
        postings index of :data:`SETTLE_BYTES` or more: a merge then drops every recovery
        source. Whether it did (False for a smaller index, or when the time ran out)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            stats = self._call("reading the retention leases", lambda: self._es.indices.stats(
                index=self._ix["postings"], level="shards", metric="store,docs"))
            shards = [copy for copies in stats["indices"][self._ix["postings"]]["shards"].values() for copy in copies]
            if stats["_all"]["primaries"]["store"]["size_in_bytes"] < SETTLE_BYTES:
                return False
            if all(lease["retaining_seq_no"] > copy["seq_no"]["max_seq_no"]
                   for copy in shards for lease in copy["retention_leases"]["leases"]):
                return True
            time.sleep(1.0)
        return False

    def _split_single_segments(self) -> None:
        """Give every postings shard that holds one segment a second: one empty document
        (no keys, ``n`` 0: no lookup, count or total sees it; ``_id`` ``~settle-<shard>``,
        so a later load rewrites it), routed to that shard and refreshed."""
        index = self._ix["postings"]
        segments = self._call("reading the segments", lambda: self._es.indices.segments(index=index))
        single = {int(shard) for shard, copies in segments["indices"][index]["shards"].items()
                  if any(c["num_search_segments"] == 1 for c in copies)}
        routes: dict[int, str] = {}
        for r in range(64 * (max(single, default=0) + 1)):
            if len(routes) == len(single):
                break
            found = self._call("routing to a shard", lambda r=r: self._es.search_shards(index=index, routing=str(r)))
            shard = int(found["shards"][0][0]["shard"])
            if shard in single:
                routes.setdefault(shard, str(r))
        for shard, route in routes.items():
            self._call("settling a shard", lambda shard=shard, route=route: self._es.index(
                index=index, id=f"~settle-{shard}", routing=route, document={"n": 0}))
        if routes:
            self._call("refreshing the postings", lambda: self._es.indices.refresh(index=index))

    def delete(self) -> None:
        """Remove the whole attrib index (its four Elasticsearch indices)."""
        names = ",".join(self._ix.values())
        self._call(f"deleting {self.location}", lambda: self._es.indices.delete(
            index=names, ignore_unavailable=True))

    def close(self) -> None:
        """Finish the batch in flight, then restore refresh and replicas after a load."""
        failed = True
        try:
            self._wait()
            failed = False
        finally:
            try:
                # After a failure, do not keep a broken node's user waiting twice.
                self._finish_loading(retry_seconds=2.0 if failed else None)
            except StoreError:
                if not failed:
                    raise
            finally:
                self._es.close()

    def _finish_loading(self, retry_seconds: float | None) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        if self._loading:
            replicas = int(self._meta.get("replicas") or 0)
            self._put_settings("restoring the index settings after loading",
                               {"refresh_interval": None, "number_of_replicas": replicas}, retry_seconds)
            self._loading, self._dirty = False, True
            self._refresh(retry_seconds)


def _tolerating(error: type[Exception], request):
    """``request``, with an ``error`` that says "already exists" taken as success."""
    def run():
        try:
            return request()
        except error as e:
            if getattr(e, "error", "") in ("resource_already_exists_exception", "version_conflict_engine_exception"):
                return None
            raise
    return run


class _Failures:
    """Bulk items Elasticsearch did not store: how many, which files, the first reason."""

    def __init__(self) -> None:
        self.count = 0
        self.shas: set[str] = set()
        self.reason = ""

    def add(self, sha: str, op: dict) -> None:
        self.count += 1
        self.shas.add(sha)
        if not self.reason:
            err = op.get("error") or {}
            self.reason = f"{op.get('status')} {err.get('type', '')}: {err.get('reason', '')}" if isinstance(
                err, dict) else f"{op.get('status')} {err}"

    def merge(self, other: "_Failures") -> None:
        self.count += other.count
        self.shas |= other.shas
        self.reason = self.reason or other.reason
