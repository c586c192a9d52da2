"""The Data page's file details: every digest is the file's current sha256, also after the
file changes (the digest is remembered per version of the file)."""
from __future__ import annotations

import hashlib
import os

from cipdash import admin


def _details(tmp_path):
    return admin.file_details(tmp_path / "cip_data", tmp_path / "data", tmp_path / "x.duckdb", tmp_path / "a.sqlite")


def _digest_of(frame, name):
    row = frame[frame["Path"].str.endswith(name)].iloc[0]
    return row["SHA-256"]


def test_digests_follow_the_files_bytes(tmp_path):
    (tmp_path / "cip_data").mkdir()
    (tmp_path / "data").mkdir()
    extract = tmp_path / "data" / "timeliness.csv"
    extract.write_bytes(b"measure_id,value\nA,1\n")
    first = _details(tmp_path)
    assert _digest_of(first, "timeliness.csv") == hashlib.sha256(extract.read_bytes()).hexdigest()

    # Same size, same modified time set back by hand: only the change time and bytes differ.
    stat = extract.stat()
    extract.write_bytes(b"measure_id,value\nA,2\n")
    os.utime(extract, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert _digest_of(_details(tmp_path), "timeliness.csv") == hashlib.sha256(b"measure_id,value\nA,2\n").hexdigest()

    # An upload renames a new file into place.
    replacement = tmp_path / "data" / "timeliness.csv.new"
    replacement.write_bytes(b"measure_id,value\nA,3\n")
    os.replace(replacement, extract)
    assert _digest_of(_details(tmp_path), "timeliness.csv") == hashlib.sha256(b"measure_id,value\nA,3\n").hexdigest()
