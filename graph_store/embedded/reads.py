"""The embedded backend's reads: look-ups, keyset lists, relations, search
and the social layer's queries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from graph_store import paging
from graph_store.embedded import queries as Q
from graph_store.embedded.connection import (
    EmbeddedBase,
    Params,
    _Conn,
    _group,
    _uniq,
)
from graph_store.embedded.ddl import OVERRIDDEN_LIST, revision_list_key
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
    NodeKind,
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
    kind_of,
    to_micros,
)
from graph_store.shared_rules import (
    SEARCH_CANDIDATES,
    search_order,
    search_score,
    search_words,
)


def _coauthor_lists(conn: _Conn, ids: list[str]) -> Iterator[tuple[str, dict[str, int]]]:
    """Each author's close co-authors with the papers they share (FIT_COAUTHORS)."""
    for aid, others, counts in conn.rows(Q.FIT_COAUTHORS, {"ids": ids}):
        # OPTIONAL MATCH: an author without any gives a list of nulls.
        yield aid, {o: int(n) for o, n in zip(others, counts, strict=True) if o is not None}


class EmbeddedReads(EmbeddedBase):
    async def find_authors_by_name(self, names: Sequence[str]) -> dict[str, AuthorRecord]:
        if not names:
            return {}
        params = {"names": _uniq(n.casefold() for n in names)}

        def run(conn: _Conn) -> dict[str, AuthorRecord]:
            found: dict[str, AuthorRecord] = {}
            for n in conn.column(Q.AUTHORS_BY_NAME_KEY, params):
                found.setdefault(n["name_key"], AUTHOR.from_props(n))  # first by sort_key wins
            return found

        return await self._read(run)

    async def existing_slugs(self, slugs: Sequence[str]) -> set[str]:
        if not slugs:
            return set()
        params = {"slugs": _uniq(slugs)}
        return await self._read(lambda conn: set(conn.column(Q.SLUGS_TAKEN, params)))

    async def existing_author_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        params = {"ids": _uniq(ids)}
        return await self._read(lambda conn: set(conn.column(Q.EXISTING_AUTHOR_IDS, params)))

    async def find_papers_by_title(self, titles: Sequence[str]) -> dict[str, PaperRecord]:
        if not titles:
            return {}
        params = {"titles": _uniq(t.casefold() for t in titles)}

        def run(conn: _Conn) -> dict[str, PaperRecord]:
            found: dict[str, PaperRecord] = {}
            for n in conn.column(Q.PAPERS_BY_TITLE_KEY, params):
                found.setdefault(n["title_key"], PAPER.from_props(n))
            return found

        return await self._read(run)

    async def author_count(self) -> int:
        return int(await self._read(lambda conn: conn.scalar(Q.AUTHOR_COUNT)) or 0)

    async def get_authors(self, ids: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._by_key(Q.AUTHORS_BY_ID, ids, AUTHOR.from_props)

    async def get_authors_by_slug(self, slugs: Sequence[str]) -> dict[str, AuthorRecord]:
        return await self._by_key(Q.AUTHORS_BY_SLUG, slugs, AUTHOR.from_props, "slug")

    async def get_papers(self, ids: Sequence[str]) -> dict[str, PaperRecord]:
        return await self._by_key(Q.PAPERS_BY_ID, ids, PAPER.from_props)

    async def get_topics(self, ids: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._by_key(Q.TOPICS_BY_ID, ids, TOPIC.from_props)

    async def get_topics_by_slug(self, slugs: Sequence[str]) -> dict[str, TopicRecord]:
        return await self._by_key(Q.TOPICS_BY_SLUG, slugs, TOPIC.from_props, "slug")

    async def get_institutions(self, ids: Sequence[str]) -> dict[str, InstitutionRecord]:
        return await self._by_key(Q.INSTITUTIONS_BY_ID, ids, INSTITUTION.from_props)

    async def get_users(self, ids: Sequence[str]) -> dict[str, UserRecord]:
        return await self._by_key(Q.USERS_BY_ID, ids, USER.from_props)

    async def get_claims(self, ids: Sequence[str]) -> dict[str, ClaimRecord]:
        return await self._by_key(Q.CLAIMS_BY_ID, ids, CLAIM.from_props)

    async def get_invitations(self, ids: Sequence[str]) -> dict[str, InvitationRecord]:
        return await self._by_key(Q.INVITATIONS_BY_ID, ids, INVITATION.from_props)

    async def get_corrections(self, ids: Sequence[str]) -> dict[str, CorrectionRecord]:
        return await self._by_key(Q.CORRECTIONS_BY_ID, ids, CORRECTION.from_props)

    async def list_authors(
        self,
        spec: AuthorFilterSpec,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[AuthorRecord]:
        filters: list[str] = []
        params: Params = {}
        if spec.name_contains:
            filters.append(Q.AUTHOR_NAME_FILTER)
            params["name"] = spec.name_contains.casefold()
        if spec.topic_slug is not None:
            filters.append(Q.AUTHOR_TOPIC_FILTER)
            params["topic"] = spec.topic_slug
        if spec.claim_status is not None:
            filters.append(Q.AUTHOR_STATUS_FILTER)
            params["claim_status"] = spec.claim_status.value
        return await self._page(
            Q.LIST_AUTHORS_MATCH,
            filters,
            params,
            first,
            after,
            AUTHOR.from_props,
            before=before,
            from_end=from_end,
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
        filters: list[str] = []
        params: Params = {}
        if spec.title_contains:
            filters.append(Q.PAPER_TITLE_FILTER)
            params["title"] = spec.title_contains.casefold()
        if spec.topic_slug is not None:
            filters.append(Q.PAPER_TOPIC_FILTER)
            params["topic"] = spec.topic_slug
        if spec.year_from is not None:
            filters.append(Q.PAPER_YEAR_FROM_FILTER)
            params["year_from"] = spec.year_from
        if spec.year_to is not None:
            filters.append(Q.PAPER_YEAR_TO_FILTER)
            params["year_to"] = spec.year_to
        if spec.kind is not None:
            filters.append(Q.PAPER_KIND_FILTER)
            params["kind"] = spec.kind.value
        return await self._page(
            Q.LIST_PAPERS_MATCH,
            filters,
            params,
            first,
            after,
            PAPER.from_props,
            before=before,
            from_end=from_end,
        )

    async def list_topics(
        self, first: int, after: str | None, *, before: str | None = None, from_end: bool = False
    ) -> Page[TopicRecord]:
        return await self._page(
            Q.LIST_TOPICS_MATCH,
            [],
            {},
            first,
            after,
            TOPIC.from_props,
            before=before,
            from_end=from_end,
        )

    async def paper_pages_of_authors(
        self,
        author_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        return await self._paper_pages("author", author_ids, first, after, before, from_end)

    async def paper_pages_of_topics(
        self,
        topic_ids: Sequence[str],
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> dict[str, Page[PaperRecord]]:
        return await self._paper_pages("topic", topic_ids, first, after, before, from_end)

    async def _paper_pages(
        self,
        of: str,
        owner_ids: Sequence[str],
        first: int,
        after: str | None,
        before: str | None,
        from_end: bool,
    ) -> dict[str, Page[PaperRecord]]:
        query = Q.paper_page(of, **paging.shape(after, before, from_end))
        cut = paging.page_params(first, after, before)

        def run(conn: _Conn) -> dict[str, Page[PaperRecord]]:
            out: dict[str, Page[PaperRecord]] = {}
            for owner_id in _uniq(owner_ids):
                ids = conn.column(query, {"id": owner_id, **cut})
                nodes = {n["id"]: n for n in conn.column(Q.PAPERS_BY_ID, {"ids": ids})}
                items = [PAPER.from_props(nodes[i]) for i in ids]
                total = int(conn.scalar(Q.PAPER_COUNT[of], {"id": owner_id}) or 0)
                out[owner_id] = paging.cut(
                    items, first, total, after=after, before=before, from_end=from_end
                )
            return out

        return await self._read(run)

    async def authors_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[AuthorRecord]]:
        def run(conn: _Conn) -> dict[str, list[AuthorRecord]]:
            out: dict[str, list[AuthorRecord]] = _group(paper_ids)
            for pid in out:
                rows = conn.rows(Q.AUTHORS_OF_PAPER, {"id": pid})
                # Known positions first, 0 (unknown) after them, then by name.
                rows.sort(key=lambda r: ((r[1] or 0) == 0, r[1] or 0, r[0]["sort_key"]))
                out[pid] = [AUTHOR.from_props(node) for node, _ in rows]
            return out

        return await self._read(run)

    async def topics_of_papers(self, paper_ids: Sequence[str]) -> dict[str, list[TopicRecord]]:
        def run(conn: _Conn) -> dict[str, list[TopicRecord]]:
            out: dict[str, list[TopicRecord]] = _group(paper_ids)
            for pid in out:
                out[pid] = [
                    TOPIC.from_props(n) for n in conn.column(Q.TOPICS_OF_PAPER, {"id": pid})
                ]
            return out

        return await self._read(run)

    async def authors_of_topics(
        self, topic_ids: Sequence[str], first: int, offset: int = 0
    ) -> dict[str, list[AuthorRecord]]:
        params = {"limit": first, "offset": max(0, offset)}

        def run(conn: _Conn) -> dict[str, list[AuthorRecord]]:
            out: dict[str, list[AuthorRecord]] = _group(topic_ids)
            for tid in _uniq(topic_ids) if first > 0 else []:
                # ``first`` of each topic from rank ``offset``, ranked in the engine.
                top = conn.rows(Q.TOP_AUTHORS_OF_TOPIC, {"id": tid, **params})
                out[tid] = [AUTHOR.from_props(node) for node, _ in top]
            return out

        return await self._read(run)

    async def author_counts_of_topics(self, topic_ids: Sequence[str]) -> dict[str, int]:
        def run(conn: _Conn) -> dict[str, int]:
            return {t: int(conn.scalar(Q.AUTHOR_COUNT_OF_TOPIC, {"id": t}) or 0) for t in topic_ids}

        return await self._read(run)

    async def topic_weights_of_authors(
        self, author_ids: Sequence[str]
    ) -> dict[str, list[TopicWeightRecord]]:
        def run(conn: _Conn) -> dict[str, list[TopicWeightRecord]]:
            out: dict[str, list[TopicWeightRecord]] = _group(author_ids)
            for aid in out:
                rows = conn.rows(Q.TOPIC_WEIGHTS_OF_AUTHOR, {"id": aid})
                weights = [TopicWeightRecord(TOPIC.from_props(node), count) for node, count in rows]
                out[aid] = sorted(weights, key=lambda w: (-w.paper_count, w.topic.slug))
            return out

        return await self._read(run)

    async def coauthors_of_authors(
        self, author_ids: Sequence[str], first: int, offset: int = 0
    ) -> dict[str, list[CoauthorRecord]]:
        def run(conn: _Conn) -> dict[str, list[CoauthorRecord]]:
            out: dict[str, list[CoauthorRecord]] = _group(author_ids)
            if first <= 0:
                return out
            for author_id in _uniq(author_ids):
                params = {"id": author_id, "limit": first, "offset": max(0, offset)}
                top = conn.rows(Q.TOP_COAUTHORS_OF_AUTHOR, params)
                ids = [coauthor for coauthor, _ in top]
                if not ids:
                    continue
                nodes = {n["id"]: n for n in conn.column(Q.AUTHORS_BY_ID, {"ids": ids})}
                shared: dict[str, list[str]] = _group(ids)
                for coauthor, paper_id in conn.rows(
                    Q.SHARED_PAPERS, {"id": author_id, "others": ids}
                ):
                    shared[coauthor].append(paper_id)
                out[author_id] = [
                    CoauthorRecord(
                        author=AUTHOR.from_props(nodes[c]),
                        shared_paper_ids=tuple(_uniq(shared[c])),
                    )
                    for c in ids
                ]
            return out

        return await self._read(run)

    async def collaboration_profiles(
        self, author_ids: Sequence[str]
    ) -> dict[str, CollaborationProfileRecord]:
        ids = _uniq(author_ids)

        if not ids:
            return {}

        def counts(query: str) -> Callable[[_Conn], dict[str, dict[str, int]]]:
            def run(conn: _Conn) -> dict[str, dict[str, int]]:
                out: dict[str, dict[str, int]] = {i: {} for i in ids}
                for aid, key, n in conn.rows(query, {"ids": ids}):
                    if key is not None:
                        out[aid][key] = int(n)
                return out

            return run

        # Three statements on reader threads at once: the engine runs them
        # outside the GIL, and a hub's three take about as long each.
        weights, topics, venues = await asyncio.gather(
            self.coauthor_weights(ids), self._read(counts(Q.FIT_TOPICS)),
            self._read(counts(Q.FIT_VENUES)),
        )  # fmt: skip
        return {i: CollaborationProfileRecord(weights[i], topics[i], venues[i]) for i in ids}

    async def coauthor_weights(self, author_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        ids = _uniq(author_ids)

        def run(conn: _Conn) -> dict[str, dict[str, int]]:
            out: dict[str, dict[str, int]] = {i: {} for i in ids}
            for aid, weights in _coauthor_lists(conn, ids):
                out[aid].update(weights)
            return out

        return await self._read(run) if ids else {}

    async def coauthored(self, author_id: str, candidate_ids: Sequence[str]) -> set[str]:
        ids = [c for c in _uniq(candidate_ids) if c != author_id]

        def run(conn: _Conn) -> set[str]:
            return set(conn.column(Q.COAUTHORED, {"ids": ids, "id": author_id}))

        return await self._read(run) if ids else set()

    async def work_counts(self, author_ids: Sequence[str]) -> dict[str, int]:
        ids = _uniq(author_ids)

        def run(conn: _Conn) -> dict[str, int]:
            out = dict.fromkeys(ids, 0)
            out.update({aid: int(n) for aid, n in conn.rows(Q.WORK_COUNTS, {"ids": ids})})
            return out

        return await self._read(run) if ids else {}

    async def existing_venues(self, names: Sequence[str]) -> set[str]:
        def run(conn: _Conn) -> set[str]:
            return {n for n in _uniq(names) if conn.rows(Q.VENUE_EXISTS, {"name": n})}

        return await self._read(run)

    async def author_stats(self, author_ids: Sequence[str]) -> dict[str, AuthorStatsRecord]:
        zero = AuthorStatsRecord(works=0, followers=0, topics=0, collaborators=0)

        def run(conn: _Conn) -> dict[str, AuthorStatsRecord]:
            out = dict.fromkeys(author_ids, zero)
            for aid in out:
                counts = {
                    name: int(conn.scalar(query, {"id": aid}) or 0)
                    for name, query in Q.AUTHOR_STATS.items()
                }
                out[aid] = AuthorStatsRecord(**counts)
            return out

        return await self._read(run)

    async def node_labels(self, ids: Sequence[str]) -> dict[str, str]:
        by_label = _by_label(ids)

        def run(conn: _Conn) -> dict[str, str]:
            return {
                nid: text
                for label, group in by_label.items()
                for nid, text in conn.rows(Q.NODE_LABELS[label], {"ids": group})
            }

        return await self._read(run)

    async def graph_edges(self, node_ids: Sequence[str]) -> list[GraphEdgeRecord]:
        by_label = _by_label(node_ids)

        def run(conn: _Conn) -> list[GraphEdgeRecord]:
            edges = {
                (kind, source, target)
                for label, group in by_label.items()
                for nid in group
                for source, target, kind in conn.rows(Q.EDGES_AT[label], {"id": nid})
            }
            return [GraphEdgeRecord(source=s, target=t, kind=k) for k, s, t in sorted(edges)]

        return await self._read(run)

    async def search(self, query: str, first: int) -> list[SearchHitRecord]:
        words = search_words(query)
        if not words or first <= 0:
            return []

        def run(_: _Conn) -> list[SearchHitRecord]:
            # The side index narrows; the graph is not scanned.
            scored: list[tuple[float, int, str, str]] = []
            for node_id, primary, secondary in self._search.candidates(
                words, max(SEARCH_CANDIDATES, first)
            ):
                score = search_score(words, primary, secondary)
                if score > 0:
                    scored.append(search_order(score, node_id, primary))
            scored.sort()
            return [SearchHitRecord(node_id=e[3], score=-e[0]) for e in scored[:first]]

        return await self._read(run)

    async def _invitations_by_user(
        self, query: str, user_ids: Sequence[str]
    ) -> dict[str, list[InvitationRecord]]:
        out: dict[str, list[InvitationRecord]] = _group(user_ids)
        if not user_ids:
            return out
        params = {"ids": _uniq(user_ids)}

        def run(conn: _Conn) -> dict[str, list[InvitationRecord]]:
            for uid, node in conn.rows(query, params):
                out[uid].append(INVITATION.from_props(node))
            return out

        return await self._read(run)

    async def get_user_by_email(self, email: str) -> UserRecord | None:
        params = {"email_key": email.casefold()}

        def run(conn: _Conn) -> UserRecord | None:
            nodes = conn.column(Q.USER_BY_EMAIL_KEY, params)
            return USER.from_props(nodes[0]) if nodes else None

        return await self._read(run)

    async def followed_among(self, user_id: str, author_ids: Sequence[str]) -> set[str]:
        if not author_ids:
            return set()
        params = {"user_id": user_id, "ids": _uniq(author_ids)}
        return await self._read(lambda conn: set(conn.column(Q.FOLLOWED_AMONG, params)))

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
            Q.FOLLOWING_MATCH,
            [],
            {"user_id": user_id},
            first,
            after,
            AUTHOR.from_props,
            before=before,
            from_end=from_end,
        )

    async def trust_history(
        self, author_id: str, first: int, after: str | None
    ) -> Page[TrustChangeRecord]:
        return await self._page(
            Q.TRUST_HISTORY_MATCH,
            [],
            {"author_id": author_id},
            first,
            after,
            TRUST_CHANGE.from_props,
        )

    async def claims_of_users(self, user_ids: Sequence[str]) -> dict[str, list[ClaimRecord]]:
        out: dict[str, list[ClaimRecord]] = _group(user_ids)
        if not user_ids:
            return out
        params = {"ids": _uniq(user_ids)}

        def run(conn: _Conn) -> dict[str, list[ClaimRecord]]:
            for node in conn.column(Q.CLAIMS_OF_USERS, params):
                out[node["user_id"]].append(CLAIM.from_props(node))
            return out

        return await self._read(run)

    async def verified_authors_of_users(self, user_ids: Sequence[str]) -> dict[str, AuthorRecord]:
        if not user_ids:
            return {}
        params = {"ids": _uniq(user_ids)}

        def run(conn: _Conn) -> dict[str, AuthorRecord]:
            found: dict[str, AuthorRecord] = {}
            for uid, node in conn.rows(Q.VERIFIED_AUTHORS_OF_USERS, params):
                found.setdefault(uid, AUTHOR.from_props(node))
            return found

        return await self._read(run)

    async def verified_claimants_of_authors(self, author_ids: Sequence[str]) -> dict[str, str]:
        if not author_ids:
            return {}
        params = {"ids": _uniq(author_ids)}

        def run(conn: _Conn) -> dict[str, str]:
            found: dict[str, str] = {}
            for aid, uid in conn.rows(Q.VERIFIED_CLAIMANTS_OF_AUTHORS, params):
                found.setdefault(aid, uid)
            return found

        return await self._read(run)

    async def sources_of(self, ids: Sequence[str]) -> dict[str, SourceRecord]:
        return await self._by_key(Q.SOURCES_BY_ID, ids, SOURCE.from_props)

    async def revisions_of(
        self, ids: Sequence[str], field: str, first: int
    ) -> dict[str, list[RevisionRecord]]:
        def run(conn: _Conn) -> dict[str, list[RevisionRecord]]:
            out: dict[str, list[RevisionRecord]] = _group(ids)
            for key in out:
                params = {"key": revision_list_key(key, field), "limit": first}
                out[key] = [REVISION.from_props(n) for n in conn.column(Q.REVISIONS_NEWEST, params)]
            return out

        return await self._read(run)

    async def overridden_revisions(
        self,
        first: int,
        after: str | None,
        *,
        before: str | None = None,
        from_end: bool = False,
    ) -> Page[RevisionRecord]:
        return await self._page(
            Q.OVERRIDDEN_MATCH,
            [],
            {"list": OVERRIDDEN_LIST},
            first,
            after,
            REVISION.from_props,
            before=before,
            from_end=from_end,
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
            Q.CLAIMS_MATCH,
            [Q.STATUS_FILTER],
            {"status": status.value},
            first,
            after,
            CLAIM.from_props,
            before=before,
            from_end=from_end,
        )

    async def invitations_sent(self, user_ids: Sequence[str]) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_user(Q.INVITATIONS_SENT, user_ids)

    async def invitations_received(
        self, user_ids: Sequence[str]
    ) -> dict[str, list[InvitationRecord]]:
        return await self._invitations_by_user(Q.INVITATIONS_RECEIVED, user_ids)

    async def pending_invitation_recipients(
        self, user_id: str, author_ids: Sequence[str]
    ) -> set[str]:
        if not author_ids:
            return set()
        params = {"sender_id": user_id, "ids": _uniq(author_ids)}
        return await self._read(
            lambda conn: set(conn.column(Q.PENDING_INVITATION_RECIPIENTS, params))
        )

    async def count_invitations_since(self, user_id: str, since: datetime) -> int:
        params = {"sender_id": user_id, "since": to_micros(since)}
        return int(await self._read(lambda conn: conn.scalar(Q.INVITATIONS_SENT_SINCE, params)))

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
            Q.CORRECTIONS_MATCH,
            [Q.STATUS_FILTER],
            {"status": status.value},
            first,
            after,
            CORRECTION.from_props,
            before=before,
            from_end=from_end,
        )


_GRAPH_LABELS = {
    NodeKind.AUTHOR: "Author",
    NodeKind.PAPER: "Paper",
    NodeKind.TOPIC: "Topic",
    NodeKind.INSTITUTION: "Institution",
}


def _by_label(ids: Sequence[str]) -> dict[str, list[str]]:
    """Graph node ids grouped by their table (the id's prefix); others left out."""
    out: dict[str, list[str]] = {}
    for nid in _uniq(ids):
        label = _GRAPH_LABELS.get(kind_of(nid) or NodeKind.USER)
        if label is not None:
            out.setdefault(label, []).append(nid)
    return out
