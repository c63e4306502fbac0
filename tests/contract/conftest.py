"""A small research graph shared by the contract tests (built through the protocol)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ImportBatch,
    ImportedFigures,
    InstitutionRecord,
    PaperKind,
    PaperRecord,
    Role,
    TopicRecord,
    UserRecord,
)
from graph_store.store import GraphStore

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


BAO = "author:hangbo-bao"
DONG = "author:li-dong"
WEI = "author:furu-wei"
ZOE = "author:zoe-adams"
ALICE = "author:alice-zhang"
LONELY = "author:lonely-writer"

P1, P2, P3, P4, P5 = "paper:p1", "paper:p2", "paper:p3", "paper:p4", "paper:p5"
KD, PRUNING, MOE, IR = (
    "topic:knowledge-distillation",
    "topic:pruning",
    "topic:mixture-of-experts",
    "topic:information-retrieval",
)
MSR, UNI = "inst:msr", "inst:uni"

BAO_FIGURES = ImportedFigures(
    works=7,
    followers=3,
    topics=4,
    collaborators=5,
    trust_score=21,
    trust_tier="EMERGING",
    verification="L1",
    source="002_bao.txt",
)

# Bao's page prints the profile header; the others are open to collaborate
# too, but for the lonely writer (nothing is known of them).
AUTHORS = (
    AuthorRecord(
        id=BAO,
        slug="hangbo-bao",
        name="Hangbo Bao",
        affiliation_id=MSR,
        imported=BAO_FIGURES,
        role="Researcher",
        affiliation_note="Affiliation not imported",
        open_to_collaborate=True,
    ),
    AuthorRecord(
        id=DONG, slug="li-dong", name="Li Dong", affiliation_id=MSR, open_to_collaborate=True
    ),
    AuthorRecord(id=WEI, slug="furu-wei", name="Furu Wei", open_to_collaborate=True),
    AuthorRecord(
        id=ZOE, slug="zoe-adams", name="Zoe Adams", affiliation_id=UNI, open_to_collaborate=True
    ),
    # Lower-case first letter: ordering must ignore case.
    AuthorRecord(id=ALICE, slug="alice-zhang", name="alice Zhang", open_to_collaborate=True),
    AuthorRecord(id=LONELY, slug="lonely-writer", name="Lonely Writer"),
)

PAPERS = (
    PaperRecord(
        id=P1,
        title="Knowledge Distillation for Transformers",
        kind=PaperKind.PREPRINT,
        year=2021,
        venue="arXiv",
        abstract="We compress models. Code: github.com/x/kd",
        code_url="https://github.com/x/kd",
    ),
    PaperRecord(
        id=P2,
        title="Pruning Large Models",
        kind=PaperKind.CONFERENCE,
        year=2023,
        venue="Proceedings of ACL",
        abstract="We study structured sparsity and distillation.",
    ),
    PaperRecord(
        id=P3,
        title="Mixture of Experts at Scale",
        kind=PaperKind.JOURNAL,
        year=2022,
        venue="JMLR",
        abstract="Sparse experts route tokens.",
    ),
    PaperRecord(
        id=P4,
        title="Retrieval Without a Year",
        kind=PaperKind.PREPRINT,
        abstract="Dense retrieval.",
    ),
    PaperRecord(id=P5, title="Another Distillation Study", kind=PaperKind.PREPRINT, year=2023),
)

# Display order of papers: newest first, then title; no year last.
PAPER_ORDER = [P5, P2, P3, P1, P4]
# Display order of authors: case-insensitive name.
AUTHOR_ORDER = [ALICE, WEI, BAO, DONG, LONELY, ZOE]

TOPICS = (
    TopicRecord(id=KD, slug="knowledge-distillation", name="Knowledge Distillation"),
    TopicRecord(id=PRUNING, slug="pruning", name="Pruning"),
    TopicRecord(id=MOE, slug="mixture-of-experts", name="Mixture of Experts"),
    TopicRecord(id=IR, slug="information-retrieval", name="Information Retrieval"),
)

INSTITUTIONS = (
    InstitutionRecord(id=MSR, name="Microsoft Research"),
    InstitutionRecord(id=UNI, name="Some University"),
)

AUTHORSHIPS = (
    AuthorshipRow(BAO, P1, 1),
    AuthorshipRow(DONG, P1, 2),
    AuthorshipRow(WEI, P1, 3),
    AuthorshipRow(DONG, P2, 1),
    AuthorshipRow(BAO, P2, 2),
    AuthorshipRow(WEI, P3, 1),
    AuthorshipRow(ZOE, P3, 2),
    AuthorshipRow(BAO, P3, 0),
    AuthorshipRow(ZOE, P4, 1),
    AuthorshipRow(BAO, P5, 1),
    AuthorshipRow(DONG, P5, 2),
)

PAPER_TOPICS = (
    (P1, KD),
    (P2, PRUNING),
    (P2, KD),
    (P3, MOE),
    (P4, IR),
    (P5, KD),
)

GRAPH = ImportBatch(
    authors=AUTHORS,
    papers=PAPERS,
    topics=TOPICS,
    institutions=INSTITUTIONS,
    authorships=AUTHORSHIPS,
    paper_topics=PAPER_TOPICS,
)


def make_user(n: int, role: Role = Role.MEMBER, email: str | None = None) -> UserRecord:
    return UserRecord(
        id=f"user:u{n}",
        email=email or f"User{n}@Example.org",
        display_name=f"User {n}",
        password_hash=f"hash-{n}",
        role=role,
        created_at=at(n),
    )


# More than any relation of the graphs the tests build: a page that holds it all.
EVERYTHING = 100


async def all_papers_of_authors(
    store: GraphStore, author_ids: list[str]
) -> dict[str, list[PaperRecord]]:
    """Each author's papers in display order (one page holding them all)."""
    pages = await store.paper_pages_of_authors(author_ids, EVERYTHING, None)
    return {k: list(page.items) for k, page in pages.items()}


@pytest.fixture
async def graph(store: GraphStore) -> GraphStore:
    """The store with the small research graph above imported."""
    await store.import_batch(GRAPH)
    return store
