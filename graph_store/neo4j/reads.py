"""The Neo4j backend's reads: look-ups, keyset lists, relations, search
and the social layer's queries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from graph_store import paging
from graph_store.mapping import (
    AUTHOR,
    CLAIM,
    CORRECTION,
    INSTITUTION,
    INVITATION,
    PAPER,
    REVISION,
    SOURCE,
    TOPIC,
    TRUST_CHANGE,
    USER,
)
from graph_store.neo4j import queries as q
from graph_store.neo4j import schema
from graph_store.neo4j.lucene import lucene_query
from graph_store.neo4j.session import (
    Neo4jSession,
    Row,
    T,
    _group,
)
from graph_store.records import (
    AuthorFilterSpec,
    AuthorRecord,
    AuthorStatsRecord,
    ClaimDecision,
    ClaimRecord,
    CoauthorRecord,
    CollaborationProfileRecord,
    CorrectionRecord,
    CorrectionStatus,
    GraphEdgeRecord,
    InstitutionRecord,
    InvitationRecord,
    InvitationStatus,
    Page,
    PaperFilterSpec,
    PaperRecord,
    RevisionRecord,
    SearchHitRecord,
    SourceRecord,
    TopicRecord,
    TopicWeightRecord,
    TrustChangeRecord,
    UserRecord,
    to_micros,
)
from graph_store.shared_rules import (
    SEARCH_CANDIDATES,
    search_order,
    search_score,
    search_words,
)


def _newest_first_key(n: Row) -> str:
    """Sort key for 'newest first' lists (use with reverse=True)."""
    return str(n["sort_key"])


def _authorship_order(position: int | None, author: AuthorRecord) -> tuple[bool, int, str]:
    """Author order on a paper: known positions ascending, unknown (0) last, then name."""
    pos = position or 0
    return (pos == 0, pos, author.sort_key)


class Neo4jReads(Neo4jSession):
    async def find_authors_by_name(self, names: Sequence[str]) -> dict[str, AuthorRecord]:
        if not names:
            return {}
        rows = await self._read_rows(q.AUTHORS_BY_NAME_KEY, keys=[n.casefold() for n in names])
        found: dict[str, AuthorRecord] = {}
        # Several authors may share a name: the first in display order wins.
        for author in sorted((AUTHOR.from_props(r["n"]) for r in rows), key=lambda a: a.sort_key):
            found.setdefault(author.name.casefold(), author)
        return found

    async def existing_slugs(self, slugs: Sequence[str]) -> set[str]:
        if not slugs:
            return set()
        rows = await self._read_rows(q.EXISTING_SLUGS, slugs=list(slugs))
        return {r["slug"] for r in rows}

    async def existing_author_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        rows = await self._read_rows(q.EXISTING_AUTHOR_IDS, ids=list(dict.fromkeys(ids)))
        return {r["id"] for r in rows}

    async def find_papers_by_title(self, titles: Sequence[str]) -> dict[str, PaperRecord]:
        if not titles:
            return {}
        rows = await self._read_rows(q.PAPERS_BY_TITLE_KEY, keys=[t.casefold() for t in titles])
        found: dict[str, PaperRecord] = {}
        for paper in sorted((PAPER.from_props(r["n"]) for r in rows), key=lambda p: p.sort_key):
            found.setdefault(paper.title.casefold(), paper)
        return found

    async def author_count(self) -> int:
        rows = await self._read_rows(q.AUTHOR_COUNT)
        return int(rows[0]["total"]) if rows else 0

    async def _get(
        self, query: str, mapper: Callable[[Row], T], key: Callable[[T], str], **params: Any
    ) -> dict[str, T]:
        if not any(params.values()):
            return {}
        rows = await self._read_rows(query, **params)
        records = (mapper(r["n"]) for r in rows)
        return {key(rec): rec for rec in records}

    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._get(q.GET_AUTHORS, AUTHOR.from_props, lambda r: r.id, ids=list(ids))

    async def get_authors_by_slug(self, slugs: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._get(
            q.GET_AUTHORS_BY_SLUG, AUTHOR.from_props, lambda r: r.slug, slugs=list(slugs)
        )

    async def get_papers(self, ids: Sequence[str]) -> dict[str, PaperRecord]:
        return await self._get(q.GET_PAPERS, PAPER.from_props, lambda r: r.id, ids=list(ids))

    async def get_topics(self, ids: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._get(q.GET_TOPICS, TOPIC.from_props, lambda r: r.id, ids=list(ids))

    async def get_topics_by_slug(self, slugs: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._get(
            q.GET_TOPICS_BY_SLUG, TOPIC.from_props, lambda r: r.slug, slugs=list(slugs)
        )

    async def get_institutions(self, ids: Sequence[str]) -> dict[str, InstitutionRecord]:
        return await self._get(
            q.GET_INSTITUTIONS, INSTITUTION.from_props, lambda r: r.id, ids=list(ids)
        )

    async def get_users(self, ids: Sequence[str]) -> dict[str, UserRecord]:
        return await self._get(q.GET_USERS, USER.from_props, lambda r: r.id, ids=list(ids))

    async def get_claims(self, ids: Sequence[str]) -> dict[str, ClaimRecord]:
        return await self._get(q.GET_CLAIMS, CLAIM.from_props, lambda r: r.id, ids=list(ids))

    async def get_invitations(self, ids: Sequence[str]) -> dict[str, InvitationRecord]:
        return await self._get(
            q.GET_INVITATIONS, INVITATION.from_props, lambda r: r.id, ids=list(ids)
        )

    async def get_corrections(self, ids: Sequence[str]) -> dict[str, CorrectionRecord]:
        return await self._get(
            q.GET_CORRECTIONS, CORRECTION.from_props, lambda r: r.id, ids=list(ids)
        )

    async def list_authors(
        self,
        spec: AuthorFilterSpec,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[AuthorRecord]:
        filters = {
            "name": None if spec.name_contains is None else spec.name_contains.casefold(),
            "claim_status": None if spec.claim_status is None else spec.claim_status.value,
            "topic": spec.topic_slug,
        }
        used = {k: v is not None for k, v in filters.items()}
        return await self._page(
            q.list_authors(**used, **paging.shape(after, before, from_end)),
            q.count_authors(**used),
            AUTHOR.from_props,
            first,
            after,
            before=before,
            from_end=from_end,
            **filters,
        )

    async def list_papers(
        self,
        spec: PaperFilterSpec,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[PaperRecord]:
        filters = {
            "title": None if spec.title_contains is None else spec.title_contains.casefold(),
            "kind": None if spec.kind is None else spec.kind.value,
            "year_from": spec.year_from,
            "year_to": spec.year_to,
            "topic": spec.topic_slug,
        }
        used = {k: v is not None for k, v in filters.items()}
        return await self._page(
            q.list_papers(**used, **paging.shape(after, before, from_end)),
            q.count_papers(**used),
            PAPER.from_props,
            first,
            after,
            before=before,
            from_end=from_end,
            **filters,
        )

    async def list_topics(
        self, first: int, after: str | None, *, before: str | None = None, from_end: bool = False
    ) -> Page[TopicRecord]:
        return await self._page(
            q.list_topics(**paging.shape(after, before, from_end)),
            q.COUNT_TOPICS,
            TOPIC.from_props,
            first,
            after,
            before=before,
            from_end=from_end,
        )

    async def _related_rows(self, query: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        # Unique ids: the relation reads UNWIND them, one seek (and one set of rows) each.
        return await self._read_rows(query, ids=list(dict.fromkeys(ids))) if ids else []

    async def paper_pages_of_authors(
        self,
        author_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        query = q.paper_pages_of_authors(**paging.shape(after, before, from_end))
        return await self._paper_pages(query, author_ids, first, after, before, from_end)

    async def paper_pages_of_topics(
        self,
        topic_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        query = q.paper_pages_of_topics(**paging.shape(after, before, from_end))
        return await self._paper_pages(query, topic_ids, first, after, before, from_end)

    async def _paper_pages(
        self,
        query: str,
        owner_ids: Sequence[str],
        first: int,
        after: str | None,
        before: str | None,
        from_end: bool,
    ) -> dict[str, Page[PaperRecord]]:
        out: dict[str, Page[PaperRecord]] = {
            i: Page(items=(), total=0, has_next=False) for i in owner_ids
        }
        if not owner_ids:
            return out
        rows = await self._read_rows(
            query, ids=list(dict.fromkeys(owner_ids)), **paging.page_params(first, after, before)
        )
        for r in rows:
            items = [PAPER.from_props(n) for n in r["items"]]
            out[r["key"]] = paging.cut(
                items, first, int(r["total"]), after=after, before=before, from_end=from_end
            )
        return out

    async def authors_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[AuthorRecord]]:
        ranked: dict[str, list[tuple[tuple[bool, int, str], AuthorRecord]]] = _group(paper_ids)
        for r in await self._related_rows(q.AUTHORS_OF_PAPERS, paper_ids):
            author = AUTHOR.from_props(r["n"])
            ranked[r["key"]].append((_authorship_order(r["position"], author), author))
        return {k: [a for _, a in sorted(v, key=lambda x: x[0])] for k, v in ranked.items()}

    async def topics_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[TopicRecord]]:
        out: dict[str, list[TopicRecord]] = _group(paper_ids)
        for r in await self._related_rows(q.TOPICS_OF_PAPERS, paper_ids):
            out[r["key"]].append(TOPIC.from_props(r["n"]))
        for topics in out.values():
            topics.sort(key=lambda t: t.slug)
        return out

    async def authors_of_topics(
        self, topic_ids: Sequence[str], first: int, offset: int = 0
    ) -> dict[str, list[AuthorRecord]]:
        out: dict[str, list[AuthorRecord]] = _group(topic_ids)
        if not topic_ids or first <= 0:
            return out
        rows = await self._read_rows(
            q.TOP_AUTHORS_OF_TOPICS,
            ids=list(dict.fromkeys(topic_ids)),
            limit=first,
            offset=max(0, offset),
        )
        for r in rows:
            ranked = sorted(r["top"], key=lambda t: (-int(t["weight"]), str(t["n"]["sort_key"])))
            out[r["key"]] = [AUTHOR.from_props(t["n"]) for t in ranked]
        return out

    async def author_counts_of_topics(self, topic_ids: Sequence[str]) -> dict[str, int]:
        out = dict.fromkeys(topic_ids, 0)
        if topic_ids:
            rows = await self._read_rows(
                q.AUTHOR_COUNTS_OF_TOPICS, ids=list(dict.fromkeys(topic_ids))
            )
            out.update({r["key"]: int(r["authors"]) for r in rows})
        return out

    async def topic_weights_of_authors(
        self, author_ids: Sequence[str]
    ) -> dict[str, list[TopicWeightRecord]]:
        out: dict[str, list[TopicWeightRecord]] = _group(author_ids)
        for r in await self._related_rows(q.TOPIC_WEIGHTS_OF_AUTHORS, author_ids):
            out[r["key"]].append(
                TopicWeightRecord(topic=TOPIC.from_props(r["n"]), paper_count=int(r["weight"]))
            )
        for weights in out.values():
            weights.sort(key=lambda w: (-w.paper_count, w.topic.slug))
        return out

    async def coauthors_of_authors(
        self, author_ids: Sequence[str], first: int, offset: int = 0
    ) -> dict[str, list[CoauthorRecord]]:
        out: dict[str, list[CoauthorRecord]] = _group(author_ids)
        if not author_ids or first <= 0:
            return out
        rows = await self._read_rows(
            q.TOP_COAUTHORS_OF_AUTHORS,
            ids=list(dict.fromkeys(author_ids)),
            limit=first,
            offset=max(0, offset),
        )
        for r in rows:
            out[r["key"]] = [
                CoauthorRecord(
                    author=AUTHOR.from_props(t["n"]),
                    shared_paper_ids=tuple(
                        str(p["id"]) for p in sorted(t["papers"], key=lambda p: str(p["sort_key"]))
                    ),
                )
                for t in r["top"]
            ]
            out[r["key"]].sort(key=lambda c: (-len(c.shared_paper_ids), c.author.sort_key))
        return out

    async def collaboration_profiles(
        self, author_ids: Sequence[str]
    ) -> dict[str, CollaborationProfileRecord]:
        ids = list(dict.fromkeys(author_ids))
        out = {i: CollaborationProfileRecord(coauthors={}, topics={}, venues={}) for i in ids}
        if not ids:
            return out
        queries = (q.FIT_COAUTHORS, q.FIT_TOPICS, q.FIT_VENUES)
        results = await self._read_all([(query, {"ids": ids}) for query in queries])
        for rows, field in zip(results, ("coauthors", "topics", "venues"), strict=True):
            for r in rows:
                getattr(out[r["key"]], field).update(_pairs(r))
        return out

    async def coauthor_weights(self, author_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        ids = list(dict.fromkeys(author_ids))
        out: dict[str, dict[str, int]] = {i: {} for i in ids}
        for r in await self._read_rows(q.FIT_COAUTHORS, ids=ids) if ids else []:
            out[r["key"]].update(_pairs(r))
        return out

    async def coauthored(self, author_id: str, candidate_ids: Sequence[str]) -> set[str]:
        ids = [c for c in dict.fromkeys(candidate_ids) if c != author_id]
        if not ids:
            return set()
        rows = await self._read_rows(q.COAUTHORED, id=author_id, ids=ids)
        return {str(r["id"]) for r in rows}

    async def profile_generation(self) -> str:
        rows = await self._read_rows(q.PROFILE_GENERATION, id=schema.PROFILES_MARK)
        return f"{rows[0]['epoch']}:{rows[0]['n']}" if rows else "none"

    async def work_counts(self, author_ids: Sequence[str]) -> dict[str, int]:
        out = dict.fromkeys(author_ids, 0)
        for r in await self._related_rows(q.WORK_COUNTS, author_ids):
            out[r["key"]] = int(r["n"])
        return out

    async def existing_venues(self, names: Sequence[str]) -> set[str]:
        if not names:
            return set()
        rows = await self._read_rows(q.EXISTING_VENUES, names=list(dict.fromkeys(names)))
        return {str(r["name"]) for r in rows}

    async def author_stats(self, author_ids: Sequence[str]) -> dict[str, AuthorStatsRecord]:
        # Every id asked for is a key: an unknown author counts zero everywhere.
        out = {
            i: AuthorStatsRecord(works=0, followers=0, topics=0, collaborators=0)
            for i in author_ids
        }
        for r in await self._related_rows(q.AUTHOR_STATS, author_ids):
            out[r["id"]] = AuthorStatsRecord(
                works=int(r["works"]),
                followers=int(r["followers"]),
                topics=int(r["topics"]),
                collaborators=int(r["collaborators"]),
            )
        return out

    async def node_labels(self, ids: Sequence[str]) -> dict[str, str]:
        rows = await self._related_rows(q.NODE_LABELS, ids)
        return {r["id"]: r["label"] for r in rows if r["label"] is not None}

    async def graph_edges(self, node_ids: Sequence[str]) -> list[GraphEdgeRecord]:
        rows = await self._related_rows(q.GRAPH_EDGES, node_ids)
        edges = {
            GraphEdgeRecord(source=r["source"], target=r["target"], kind=r["kind"]) for r in rows
        }
        return sorted(edges, key=lambda e: (e.kind, e.source, e.target))

    async def search(self, query: str, first: int) -> list[SearchHitRecord]:
        words = search_words(query)
        if not words or first <= 0:
            return []
        rows = await self._read_rows(
            q.SEARCH,
            index=schema.FULLTEXT_INDEX,
            primary=lucene_query(words, ("name_key", "title_key")),
            secondary=lucene_query(words, ("abstract_key",)),
            cap=max(SEARCH_CANDIDATES, first),
        )
        ranked: dict[str, tuple[float, int, str, str]] = {}
        for r in rows:
            primary = r["primary"] or ""
            score = search_score(words, primary, r["secondary"] or "")
            if score > 0:
                ranked[r["id"]] = search_order(score, r["id"], primary)
        best = sorted(ranked.values())[:first]
        return [SearchHitRecord(node_id=e[3], score=-e[0]) for e in best]

    async def _invitations_by_key(
        self, query: str, user_ids: Sequence[str], **params: Any
    ) -> dict[str, list[InvitationRecord]]:
        grouped: dict[str, list[Row]] = _group(user_ids)
        if user_ids:
            for r in await self._read_rows(query, ids=list(user_ids), **params):
                grouped[r["key"]].append(r["n"])
        return {
            k: [INVITATION.from_props(n) for n in sorted(v, key=_newest_first_key, reverse=True)]
            for k, v in grouped.items()
        }

    async def get_user_by_email(self, email: str) -> UserRecord | None:
        rows = await self._read_rows(q.USER_BY_EMAIL_KEY, email_key=email.casefold())
        return USER.from_props(rows[0]["n"]) if rows else None

    async def followed_among(self, user_id: str, author_ids: Sequence[str]) -> set[str]:
        if not author_ids:
            return set()
        rows = await self._read_rows(q.FOLLOWED_AMONG, user_id=user_id, ids=list(author_ids))
        return {r["id"] for r in rows}

    async def following_page(
        self,
        user_id: str,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[AuthorRecord]:
        return await self._page(
            q.following_page(**paging.shape(after, before, from_end)),
            q.FOLLOWING_COUNT,
            AUTHOR.from_props,
            first,
            after,
            before=before,
            from_end=from_end,
            user_id=user_id,
        )

    async def trust_history(
        self, author_id: str, first: int, after: str | None
    ) -> Page[TrustChangeRecord]:
        return await self._page(
            q.trust_history_page(after=after is not None),
            q.TRUST_HISTORY_COUNT,
            TRUST_CHANGE.from_props,
            first,
            after,
            author_id=author_id,
        )

    async def claims_of_users(self, user_ids: Sequence[str]) -> dict[str, list[ClaimRecord]]:
        grouped: dict[str, list[Row]] = _group(user_ids)
        for r in await self._related_rows(q.CLAIMS_OF_USERS, user_ids):
            grouped[r["key"]].append(r["n"])
        return {
            k: [CLAIM.from_props(n) for n in sorted(v, key=_newest_first_key, reverse=True)]
            for k, v in grouped.items()
        }

    async def verified_authors_of_users(self, user_ids: Sequence[str]) -> dict[str, AuthorRecord]:
        if not user_ids:
            return {}
        rows = await self._read_rows(
            q.VERIFIED_AUTHORS_OF_USERS, ids=list(user_ids), verified=ClaimDecision.VERIFIED.value
        )
        out: dict[str, AuthorRecord] = {}
        for r in sorted(rows, key=lambda r: str(r["claim_key"])):
            out.setdefault(r["key"], AUTHOR.from_props(r["n"]))
        return out

    async def verified_claimants_of_authors(self, author_ids: Sequence[str]) -> dict[str, str]:
        if not author_ids:
            return {}
        rows = await self._read_rows(
            q.VERIFIED_CLAIMANTS_OF_AUTHORS,
            ids=list(author_ids),
            verified=ClaimDecision.VERIFIED.value,
        )
        out: dict[str, str] = {}
        for r in sorted(rows, key=lambda r: str(r["claim_key"])):
            out.setdefault(r["author_id"], r["user_id"])
        return out

    async def sources_of(self, ids: Sequence[str]) -> dict[str, SourceRecord]:
        return await self._get(
            q.SOURCES_BY_ID, SOURCE.from_props, lambda s: s.entity_id, ids=list(dict.fromkeys(ids))
        )

    async def revisions_of(
        self, ids: Sequence[str], field: str, first: int
    ) -> dict[str, list[RevisionRecord]]:
        out: dict[str, list[RevisionRecord]] = _group(ids)
        if not out:
            return out
        rows = await self._read_rows(q.REVISIONS_OF_FIELD, ids=list(out), field=field, first=first)
        for row in rows:
            out[row["id"]] = [REVISION.from_props(n) for n in row["revisions"]]
        return out

    async def overridden_revisions(
        self,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[RevisionRecord]:
        return await self._page(
            q.overridden_revisions(**paging.shape(after, before, from_end)),
            q.COUNT_OVERRIDDEN,
            REVISION.from_props,
            first,
            after,
            before=before,
            from_end=from_end,
            overridden=1,  # stored as an integer flag (mapping INT64)
        )

    async def claims_by_status(
        self,
        status: ClaimDecision,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[ClaimRecord]:
        return await self._page(
            q.claims_by_status(**paging.shape(after, before, from_end)),
            q.COUNT_CLAIMS_BY_STATUS,
            CLAIM.from_props,
            first,
            after,
            before=before,
            from_end=from_end,
            status=status.value,
        )

    async def invitations_sent(self, user_ids: Sequence[str]) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_key(q.INVITATIONS_SENT, user_ids)

    async def invitations_received(
        self, user_ids: Sequence[str]
    ) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_key(
            q.INVITATIONS_RECEIVED, user_ids, verified=ClaimDecision.VERIFIED.value
        )

    async def pending_invitation_recipients(
        self, user_id: str, author_ids: Sequence[str]
    ) -> set[str]:
        if not author_ids:
            return set()
        rows = await self._read_rows(
            q.PENDING_INVITATION_RECIPIENTS,
            user_id=user_id,
            ids=list(author_ids),
            pending=InvitationStatus.PENDING.value,
        )
        return {r["id"] for r in rows}

    async def count_invitations_since(self, user_id: str, since: datetime) -> int:
        rows = await self._read_rows(q.COUNT_SENT_SINCE, sender_id=user_id, since=to_micros(since))
        return int(rows[0]["total"]) if rows else 0

    async def corrections_by_status(
        self,
        status: CorrectionStatus,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[CorrectionRecord]:
        return await self._page(
            q.corrections_by_status(**paging.shape(after, before, from_end)),
            q.COUNT_CORRECTIONS_BY_STATUS,
            CORRECTION.from_props,
            first,
            after,
            before=before,
            from_end=from_end,
            status=status.value,
        )


def _pairs(row: Mapping[str, Any]) -> dict[str, int]:
    """A per-author record of ``ids`` and their counts ``ns`` (FIT_*)."""
    return {str(k): int(n) for k, n in zip(row["ids"], row["ns"], strict=True)}
