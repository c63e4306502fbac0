"""The session writes both backends share: each is one decision of
``graph_store/decisions.py`` applied to the user inside one transaction. The
backends differ only in ``_change_user`` (how they read, lock and write the
user), so the four operations are written once, here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from graph_store import decisions
from graph_store.records import UserRecord


class SessionWrites:
    async def _change_user(
        self, user_id: str, decide: Callable[[UserRecord | None], decisions.Outcome[UserRecord]]
    ) -> UserRecord:
        """Apply ``decide`` to the user (None when missing) in one transaction,
        writing its record unless the outcome is already done."""
        raise NotImplementedError

    async def revoke_sessions(self, user_id: str) -> UserRecord:
        return await self._change_user(user_id, lambda u: decisions.revoke_sessions(u, user_id))

    async def change_password(self, user_id: str, checked_hash: str, new_hash: str) -> UserRecord:
        return await self._change_user(
            user_id, lambda u: decisions.change_password(u, user_id, checked_hash, new_hash)
        )

    async def suspend_user(
        self, user_id: str, moderator_id: str, reason: str, at: datetime
    ) -> UserRecord:
        return await self._change_user(
            user_id, lambda u: decisions.suspend_user(u, user_id, moderator_id, reason, at)
        )

    async def unsuspend_user(self, user_id: str) -> UserRecord:
        return await self._change_user(user_id, lambda u: decisions.unsuspend_user(u, user_id))
