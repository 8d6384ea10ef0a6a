import numpy as np
import pytest
from datasketch import MinHash

from attrib import fingerprint as fp
from attrib.errors import ParamsMismatch
from attrib.lexer import lex
from attrib.params import DEFAULT_PARAMS, FingerprintParams, check_compatible

from realcode import click_files


def test_vectorised_minhash_equals_datasketch():
    values = np.random.default_rng(7).integers(0, 2**32, 500, dtype=np.uint64).astype(np.uint32)
    ref = MinHash(num_perm=DEFAULT_PARAMS.num_perm, seed=DEFAULT_PARAMS.seed, scheme="affine32",
                  hashfunc=lambda v: v)
    ref.update_batch([int(v) for v in values])
    ours = fp.minhash_rows(values, DEFAULT_PARAMS).min(axis=0)
    assert np.array_equal(ref.hashvalues, ours)


def test_window_minima_equal_minhash_of_each_run_across_blocks(monkeypatch):
    monkeypatch.setattr(fp, "_BLOCK", 64)  # force runs that straddle numpy blocks
    values = np.random.default_rng(1).integers(0, 2**32, 1000, dtype=np.uint64).astype(np.uint32)
    for length in (16, 13, 1):
        starts = np.array([0, 10, 11, 63, 64, 500, 1000 - length])
        got = fp.window_minima(values, starts, length, DEFAULT_PARAMS)
        for row, s in zip(got, starts):
            assert np.array_equal(row, fp.minhash_rows(values[s:s + length], DEFAULT_PARAMS).min(axis=0))


def test_shingles_are_k_grams():
    tokens = np.arange(10, dtype=np.uint64)
    sh = fp.shingles(tokens, 5)
    assert len(sh) == 6
    assert len(np.unique(sh)) == 6
    assert len(fp.shingles(tokens[:4], 5)) == 0


def test_query_window_lines_up_with_index_window():
    text = click_files()[0].read_text()
    lexed = lex(text, "Python")
    indexed = fp.windows(lexed, "norm", DEFAULT_PARAMS, DEFAULT_PARAMS.stride_lines)
    query = fp.windows(lexed, "norm", DEFAULT_PARAMS, 1)
    assert len(query) > len(indexed) > 10
    assert set(map(tuple, indexed.keys.tolist())) <= set(map(tuple, query.keys.tolist()))
    assert (indexed.end_line >= indexed.start_line).all()
    assert ((indexed.stop - indexed.first) == DEFAULT_PARAMS.window_tokens).all()


def test_short_text_is_one_window():
    lexed = lex("x = f(a, b)\n", "Python")
    w = fp.windows(lexed, "norm", DEFAULT_PARAMS, 1)
    assert len(w) == 1 and w.keys.shape == (1, DEFAULT_PARAMS.bands)


def test_streams_never_share_keys():
    lexed = lex("a = b + c\nd = e + f\n" * 5, "Python")
    norm = fp.windows(lexed, "norm", DEFAULT_PARAMS, 1).keys
    abst = fp.windows(lexed, "abst", DEFAULT_PARAMS, 1).keys
    assert not set(norm.ravel().tolist()) & set(abst.ravel().tolist())


def test_params_mismatch_names_the_difference():
    other = FingerprintParams(num_perm=64, bands=16, rows=4)
    with pytest.raises(ParamsMismatch, match="num_perm=64"):
        check_compatible(other, DEFAULT_PARAMS, "x.db")
    with pytest.raises(ValueError):
        FingerprintParams(num_perm=32, bands=5, rows=4)


def test_permutations_are_datasketchs():
    """attrib draws the permutations itself (no datasketch import on the scan path):
    they must be exactly datasketch's, and the version recorded in the index its own."""
    from importlib.metadata import version

    p = DEFAULT_PARAMS
    a, b = MinHash(num_perm=p.num_perm, seed=p.seed, scheme=p.scheme).permutations
    ours = fp.permutations(p.num_perm, p.seed, p.scheme)
    assert np.array_equal(a, ours[0]) and np.array_equal(b, ours[1])
    assert p.datasketch == version("datasketch")


def test_a_batch_of_files_gets_the_postings_each_file_gets_alone():
    """Fingerprinting many files at once (what the indexer does) cuts no window across
    two files and numbers nothing differently: each file's postings are its own."""
    texts = [f.read_text() for f in click_files()[:6]]
    texts += ["", "x = f(a, b)\n", "a = b + c\nd = e\n" * 3, "def f():\n    return 1\n" * 40]
    lexed = [lex(t, "Python") for t in texts]
    batch = fp.index_postings(lexed, DEFAULT_PARAMS).per_text()
    for x, (keys, lines) in zip(lexed, batch):
        [(alone_keys, alone_lines)] = fp.index_postings([x], DEFAULT_PARAMS).per_text()
        assert np.array_equal(keys, alone_keys) and np.array_equal(lines, alone_lines)
        assert (np.diff(lines) >= 0).all()  # window by window
        per_stream = {s: fp.windows(x, s, DEFAULT_PARAMS, DEFAULT_PARAMS.stride_lines) for s in fp.STREAMS}
        want = np.concatenate([per_stream[s].keys for s in fp.STREAMS], axis=1).ravel()
        assert np.array_equal(keys, want)
    assert len(batch[len(texts) - 4][0]) == 0  # the empty text has no windows
    assert len(batch[len(texts) - 3][0]) == 2 * DEFAULT_PARAMS.bands  # shorter than a window: one window
