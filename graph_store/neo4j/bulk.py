"""Bulk import on Neo4j: batched ``UNWIND`` (``import_batch`` takes a whole
chunk of rows per statement), then fresh index statistics so the planner
sees the loaded graph's real sizes."""

from __future__ import annotations

from graph_store.neo4j.session import Tx
from graph_store.neo4j.writes import Neo4jWrites
from graph_store.records import ImportBatch


class Neo4jBulk(Neo4jWrites):
    async def bulk_import(self, batch: ImportBatch) -> None:
        await self.import_batch(batch)

    async def finish_bulk_import(self) -> None:
        async def work(tx: Tx) -> None:
            result = await tx.run("CALL db.resampleOutdatedIndexes()")
            await result.consume()

        await self._write(work, timeout=self._import_timeout)
