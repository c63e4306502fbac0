"""A bulk COPY that fails leaves LadybugDB unusable in that process
(embedded/bulk.py): the store must refuse every later call with a clear
error, shut down without touching the engine, and the next process must find
the database as it was at its last commit. Run in a child process, since the
engine's state after such a failure can crash its process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from graph_store.embedded.store import EmbeddedGraphStore
    from graph_store.errors import StoreError, StoreUnavailable
    from graph_store.records import AuthorRecord, ImportBatch

    KEPT = AuthorRecord("author:kept", "kept", "Kept Author")

    async def main(data_dir: Path) -> None:
        store = EmbeddedGraphStore(data_dir)
        await store.initialize()
        await store.bulk_import(ImportBatch(authors=(KEPT,)))

        def failing_copy() -> None:
            # The failure a COPY must never meet: a primary key already stored.
            csv = data_dir / "dup.csv"
            csv.write_text("kept,author:other\\n", encoding="utf-8")
            store._run_copies(store._write_conn, [f"COPY AuthorSlug FROM '{csv}'"])

        try:
            await store._submit(store._writer, failing_copy)
        except StoreError as e:
            print("copy failed:", type(e).__name__)
        for call in (store.get_authors([KEPT.id]), store.bulk_import(ImportBatch())):
            try:
                await call
                print("served")
            except StoreUnavailable as e:
                print("refused:", "restart the process" in str(e))
        await store.close()
        print("closed")

    asyncio.run(main(Path(sys.argv[1])))
    """
)

REOPEN = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from graph_store.embedded.store import EmbeddedGraphStore

    async def main(data_dir: Path) -> None:
        store = EmbeddedGraphStore(data_dir)
        await store.initialize()
        found = await store.get_authors(["author:kept"])
        print("kept:", found["author:kept"].name, await store.existing_slugs(["kept", "other"]))
        await store.close()

    asyncio.run(main(Path(sys.argv[1])))
    """
)


def _run(script: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )


def test_a_failed_copy_stops_the_store_and_loses_no_commit(tmp_path: Path) -> None:
    data_dir = tmp_path / "db"
    first = _run(SCRIPT, data_dir)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "copy failed: StoreError",
        "refused: True",
        "refused: True",
        "closed",
    ], first.stderr
    again = _run(REOPEN, data_dir)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "kept: Kept Author {'kept'}"
