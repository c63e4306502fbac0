"""What the embedded store does about a full disk, and why.

Observed with ``ladybug`` 0.22 on a 16 MB tmpfs (see README, "Full disk and
durability"):

- ENOSPC while a commit writes the write-ahead log fails that commit
  ("IO exception: Cannot write to file", rolled back in memory) but leaves a
  torn page in the WAL *and* in the engine's WAL buffer. Every later flush
  of that instance (the next COMMIT once space is back, even ``close()``)
  writes after or over it, and the next open refuses the file ("Corrupted
  WAL record", "Checksum verification failed", an assertion); opening
  without the throw drops every commit after the tear: acknowledged writes.
- ENOSPC in the checkpoint that follows a commit raises "Transaction
  committed successfully, but the post-commit checkpoint failed": the
  commit IS durable, but that instance can never checkpoint again.

So (1) a write is refused before it starts while the disk has less than a
reserve free: the engine then never meets ENOSPC in practice; the WAL is
checkpointed well inside the reserve. (2) If it meets an I/O error anyway
(another process filled the disk), the instance is poisoned: it writes
nothing more, and once space is back the store closes it and opens the files
afresh: the tear is the WAL's last record then, and replay stops there with
every acknowledged commit in (the torn tail is kept aside in a copy).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

# The default reserve, and the most WAL the engine keeps before checkpointing
# (its own default); a checkpoint writes about the WAL's pages again (shadow
# file, then the data file), so the reserve holds several of them.
DEFAULT_DISK_RESERVE_BYTES = 256 * 1024 * 1024
MAX_CHECKPOINT_THRESHOLD = 16 * 1024 * 1024

_MB = 1024 * 1024

# Engine (and SQLite) messages that mean the disk failed, not the query.
_IO_MARKERS = (
    "io exception",
    "cannot write to file",
    "cannot read from file",
    "no space left",
    "disk is full",
    "disk i/o error",
    "corrupted wal",
    "checksum verification failed",
    "post-commit checkpoint failed",
)
# The commit is durable; only the checkpoint after it failed.
_COMMITTED = "transaction committed successfully, but the post-commit checkpoint failed"


def is_io_error(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, OSError) or any(m in text for m in _IO_MARKERS)


def committed_anyway(error: BaseException) -> bool:
    return _COMMITTED in str(error).lower()


def checkpoint_threshold(reserve: int) -> int:
    """WAL bytes before a checkpoint: a quarter of the reserve, so the WAL and
    the pages a checkpoint writes again fit in it."""
    return max(1024 * 1024, min(MAX_CHECKPOINT_THRESHOLD, reserve // 4))


def low_space(directory: Path, reserve: int) -> str | None:
    """Why writes must wait, or None: less than ``reserve`` bytes free."""
    try:
        st = os.statvfs(directory)
    except OSError as e:
        return f"the data directory cannot be checked ({e.strerror})"
    free = st.f_bavail * st.f_frsize
    if free < reserve:
        return (
            f"disk nearly full: {free // _MB} MB free, writes resume at "
            f"{reserve // _MB} MB (PEERGRAPH_DISK_RESERVE_MB)"
        )
    return None


def keep_wal_aside(wal: Path) -> Path | None:
    """A copy of a WAL the engine could not replay whole (the engine drops its
    unreadable tail when it opens without the throw); best effort."""
    if not wal.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    copy = wal.with_name(f"{wal.name}.unreplayed-{stamp}")
    try:
        shutil.copyfile(wal, copy)
    except OSError:
        return None
    return copy
