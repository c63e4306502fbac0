"""A re-import never undoes what happened to the graph meanwhile: a correction,
a claim decision or a follow committed while an import runs stays."""

from __future__ import annotations

import asyncio

from graph_store.records import (
    ClaimDecision,
    ClaimRecord,
    ClaimStatus,
    CorrectionRecord,
    CorrectionStatus,
    InstitutionRecord,
    TopicRecord,
)
from graph_store.store import GraphStore
from tests.contract.conftest import BAO, GRAPH, KD, MSR, P1, at, make_user

ROUNDS = 12


async def test_import_racing_corrections_keeps_every_correction(graph: GraphStore) -> None:
    await graph.create_user(make_user(1))
    for n in range(ROUNDS):
        name = f"Hangbo Bao {n}"
        title = f"Knowledge Distillation, corrected {n}"
        author_fix = CorrectionRecord(
            f"corr:a{n}", BAO, "name", name, "typo", CorrectionStatus.OPEN, "user:u1", at(n)
        )
        paper_fix = CorrectionRecord(
            f"corr:p{n}", P1, "title", title, "typo", CorrectionStatus.OPEN, "user:u1", at(n)
        )
        await graph.create_correction(author_fix)
        await graph.create_correction(paper_fix)
        # The import re-sends the original name and title of both records.
        await asyncio.gather(
            graph.import_batch(GRAPH),
            graph.decide_correction(
                author_fix.id, CorrectionStatus.APPLIED, "user:u9", None, at(n), ("name", name)
            ),
            graph.decide_correction(
                paper_fix.id, CorrectionStatus.APPLIED, "user:u9", None, at(n), ("title", title)
            ),
            graph.import_batch(GRAPH),
        )
        assert (await graph.get_authors([BAO]))[BAO].name == name
        assert (await graph.get_papers([P1]))[P1].title == title


async def test_import_racing_claims_and_follows_keeps_them(graph: GraphStore) -> None:
    for n, author in enumerate(a.id for a in GRAPH.authors):
        user = await graph.create_user(make_user(n))
        claim = ClaimRecord(f"claim:i{n}", author, user.id, ClaimDecision.PENDING, "orcid", at(n))
        await graph.create_claim(claim)
        await asyncio.gather(
            graph.import_batch(GRAPH),
            graph.decide_claim(claim.id, True, None, at(n)),
            graph.follow(user.id, author, at(n)),
            graph.import_batch(GRAPH),
        )
        assert (await graph.get_authors([author]))[author].claim_status is ClaimStatus.CLAIMED
        assert (await graph.get_claims([claim.id]))[claim.id].status is ClaimDecision.VERIFIED
        assert await graph.followed_among(user.id, [author]) == {author}


async def test_a_reimport_keeps_topic_and_institution_names(graph: GraphStore) -> None:
    """First import wins for topics and institutions, as for author names."""
    renamed = GRAPH.__class__(
        authors=(),
        papers=(),
        topics=(TopicRecord(id=KD, slug="knowledge-distillation", name="KD (renamed)"),),
        institutions=(InstitutionRecord(id=MSR, name="MSR (renamed)"),),
        authorships=(),
        paper_topics=(),
    )
    await graph.import_batch(renamed)
    assert (await graph.get_topics([KD]))[KD].name == "Knowledge Distillation"
    assert (await graph.get_institutions([MSR]))[MSR].name == "Microsoft Research"


async def test_a_reimport_never_refills_a_field_a_correction_cleared(graph: GraphStore) -> None:
    await graph.create_user(make_user(1))
    clear = CorrectionRecord(
        "corr:clear", P1, "codeUrl", "", "dead link", CorrectionStatus.OPEN, "user:u1", at(1)
    )
    await graph.create_correction(clear)
    await graph.decide_correction(
        clear.id, CorrectionStatus.APPLIED, "user:u9", None, at(2), ("code_url", None)
    )
    assert (await graph.get_papers([P1]))[P1].code_url is None
    await graph.import_batch(GRAPH)  # the page still carries the old link
    assert (await graph.get_papers([P1]))[P1].code_url is None
