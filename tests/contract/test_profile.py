"""The profile header's flags and the trust history, on both backends: the
verified claimant's settings, invitations refused by a closed recipient
inside their transaction, imports that never undo the claimant's choice,
and the score changes recorded with the events that made them (imports
too, for authors holding a claim)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from domain import trust
from graph_store.decisions import AuthorSettings
from graph_store.errors import Rule, RuleViolation
from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ClaimDecision,
    ClaimRecord,
    ImportBatch,
    PaperKind,
    PaperRecord,
    SourceKind,
    SourceRecord,
    TrustCause,
    UserRecord,
    utcnow,
)
from graph_store.store import GraphStore
from tests.contract.conftest import (
    AUTHORS,
    BAO,
    BAO_FIGURES,
    DONG,
    GRAPH,
    KD,
    LONELY,
    P4,
    WEI,
    ZOE,
    at,
    make_user,
)
from tests.contract.test_invitations import invitation, rule_of, send, verified_user

CLOSE = AuthorSettings(open_to_collaborate=False)
OPEN = AuthorSettings(open_to_collaborate=True)


async def author(store: GraphStore, author_id: str) -> AuthorRecord:
    return (await store.get_authors([author_id]))[author_id]


async def claim(store: GraphStore, n: int, user: UserRecord, author_id: str) -> str:
    claim_id = f"claim:k{n}"
    await store.create_claim(
        ClaimRecord(claim_id, author_id, user.id, ClaimDecision.PENDING, "orcid", at(n))
    )
    return claim_id


async def test_only_a_verified_claimant_changes_the_settings(graph: GraphStore) -> None:
    plain = await graph.create_user(make_user(1))
    with pytest.raises(RuleViolation) as err:
        await graph.set_author_settings(plain.id, CLOSE)
    assert err.value.rule is Rule.NO_VERIFIED_AUTHOR
    # A pending claim is not enough.
    await claim(graph, 1, plain, DONG)
    assert await rule_of(graph.set_author_settings(plain.id, CLOSE)) is Rule.NO_VERIFIED_AUTHOR
    assert (await author(graph, DONG)).open_to_collaborate is True

    owner = await verified_user(graph, 2, BAO)
    closed = await graph.set_author_settings(owner.id, CLOSE)
    assert (closed.id, closed.open_to_collaborate, closed.suggestible) == (BAO, False, True)
    assert await author(graph, BAO) == closed
    # Setting it again is no error; the other flag is set on its own.
    assert await graph.set_author_settings(owner.id, CLOSE) == closed
    hidden = await graph.set_author_settings(owner.id, AuthorSettings(suggestible=False))
    assert (hidden.open_to_collaborate, hidden.suggestible) == (False, False)
    assert await author(graph, BAO) == hidden
    # Nothing else of the author changed.
    assert (
        replace(
            hidden, open_to_collaborate=True, suggestible=True, claim_status=AUTHORS[0].claim_status
        )
        == AUTHORS[0]
    )


async def test_invitations_to_a_closed_author_are_refused(graph: GraphStore) -> None:
    bao = await verified_user(graph, 1, BAO)
    dong = await verified_user(graph, 2, DONG)
    await verified_user(graph, 3, WEI)
    lonely = await verified_user(graph, 4, LONELY)
    # The lonely writer is claimed, but nothing said it is open.
    assert await rule_of(send(graph, invitation(1, bao, LONELY))) is Rule.RECIPIENT_NOT_OPEN
    await graph.set_author_settings(dong.id, CLOSE)
    assert await rule_of(send(graph, invitation(1, bao, DONG))) is Rule.RECIPIENT_NOT_OPEN
    # After RECIPIENT_NOT_CLAIMED, before the pending pair and the rate limit.
    assert await rule_of(send(graph, invitation(1, bao, DONG), limit=0)) is Rule.RECIPIENT_NOT_OPEN
    assert await graph.get_invitations(["inv:i1"]) == {}
    # Reopened: the invitation goes; the lonely writer opens and can be invited too.
    await graph.set_author_settings(dong.id, OPEN)
    assert (await send(graph, invitation(1, bao, DONG))).recipient_author_id == DONG
    await graph.set_author_settings(lonely.id, OPEN)
    assert (await send(graph, invitation(2, bao, LONELY))).recipient_author_id == LONELY
    # Closing later leaves invitations already sent as they are.
    await graph.set_author_settings(dong.id, CLOSE)
    assert (await graph.get_invitations(["inv:i1"]))["inv:i1"].recipient_author_id == DONG


async def test_a_reimport_never_undoes_the_claimants_choice(graph: GraphStore) -> None:
    owner = await verified_user(graph, 1, BAO)
    await graph.set_author_settings(owner.id, AuthorSettings(False, False))
    # The same page again, and a newer one printing the header as open.
    await graph.import_batch(GRAPH)
    reprinted = replace(AUTHORS[0], role="Professor", open_to_collaborate=True)
    await graph.import_batch(ImportBatch(authors=(reprinted,)))
    bao = await author(graph, BAO)
    assert (bao.open_to_collaborate, bao.suggestible) == (False, False)
    # The header's role is the newer page's: only the claimant's choice is kept.
    assert bao.role == "Professor"


async def test_an_import_sets_the_header_of_unclaimed_authors_only_when_it_read_one(
    graph: GraphStore,
) -> None:
    # An OpenAlex-like row (no header) changes nothing of it.
    bare = AuthorRecord(id=DONG, slug="li-dong", name="Li Dong")
    await graph.import_batch(ImportBatch(authors=(bare,)))
    dong = await author(graph, DONG)
    assert (dong.open_to_collaborate, dong.role, dong.suggestible) == (True, None, True)
    # A page that prints a header without "Open to collaborate" closes it.
    page = replace(bare, role="Researcher", affiliation_note="Affiliation not imported")
    await graph.import_batch(ImportBatch(authors=(page,)))
    dong = await author(graph, DONG)
    assert (dong.open_to_collaborate, dong.role) == (False, "Researcher")
    assert dong.affiliation_note == "Affiliation not imported"
    # A new author known only as a co-author is closed.
    await graph.import_batch(ImportBatch(authors=(AuthorRecord("author:new", "new", "New"),)))
    assert (await author(graph, "author:new")).open_to_collaborate is False


async def test_follows_and_claim_decisions_record_trust_changes(graph: GraphStore) -> None:
    fan, other = await graph.create_user(make_user(1)), await graph.create_user(make_user(2))
    claimant = await graph.create_user(make_user(3))
    stats = (await graph.author_stats([DONG]))[DONG]
    start = trust.compute(await author(graph, DONG), stats).score

    await graph.follow(fan.id, DONG, at(10))
    await graph.follow(fan.id, DONG, at(11))  # already following: no change
    await graph.follow(other.id, DONG, at(12))
    await graph.unfollow(fan.id, DONG, at(13))
    await graph.unfollow(fan.id, DONG, at(14))  # not following: no change
    # A pending claim and its rejection move no point; a verification does.
    rejected = await claim(graph, 1, claimant, DONG)
    await graph.decide_claim(rejected, False, None, at(15))
    verified = await claim(graph, 2, claimant, DONG)
    await graph.decide_claim(verified, True, None, at(16))

    page = await graph.trust_history(DONG, 100, None)
    changes = [(c.cause, c.old_score, c.new_score, c.at) for c in page.items]
    assert changes == [
        (TrustCause.CLAIM_VERIFIED, start + 1, start + 21, at(16)),
        (TrustCause.UNFOLLOWED, start + 2, start + 1, at(13)),
        (TrustCause.FOLLOWED, start + 1, start + 2, at(12)),
        (TrustCause.FOLLOWED, start, start + 1, at(10)),
    ]
    assert {c.model_version for c in page.items} == {trust.MODEL_VERSION}
    assert {c.author_id for c in page.items} == {DONG}
    # The last recorded score is the score now.
    now = trust.compute(await author(graph, DONG), (await graph.author_stats([DONG]))[DONG])
    assert page.items[0].new_score == now.score
    # Keyset pages, newest first.
    first = await graph.trust_history(DONG, 2, None)
    assert (first.total, first.has_next) == (4, True)
    rest = await graph.trust_history(DONG, 2, first.items[-1].sort_key)
    assert [c.id for c in first.items + rest.items] == [c.id for c in page.items]
    assert not rest.has_next
    # Bao's page printed 3 followers: one follow in the graph moves nothing.
    await graph.follow(fan.id, BAO, at(20))
    assert (await graph.trust_history(BAO, 10, None)).items == ()


async def test_a_rule_broken_records_no_trust_change(graph: GraphStore) -> None:
    claimant = await graph.create_user(make_user(1))
    claim_id = await claim(graph, 1, claimant, DONG)
    await graph.decide_claim(claim_id, True, None, at(5))
    assert await rule_of(graph.decide_claim(claim_id, True, None, at(6))) is (
        Rule.CLAIM_NOT_PENDING
    )
    # The replay of the very same decision writes nothing again.
    await graph.decide_claim(claim_id, True, None, at(5))
    assert [c.cause for c in (await graph.trust_history(DONG, 10, None)).items] == [
        TrustCause.CLAIM_VERIFIED
    ]


async def test_a_withdrawn_claim_moves_no_point(graph: GraphStore) -> None:
    claimant = await graph.create_user(make_user(1))
    claim_id = await claim(graph, 1, claimant, DONG)
    await graph.withdraw_claim(claim_id, claimant.id, at(5))
    # Pending scores 0 under this model, as unclaimed does: nothing to record.
    assert (await graph.trust_history(DONG, 10, None)).items == ()


# --- trust changes made by imports ---------------------------------------------------

ROUNDS = 5
NEWCOMER = AuthorRecord("author:newcomer", "newcomer", "New Comer")
P6 = PaperRecord("paper:p6", "Distilling Again", PaperKind.PREPRINT, year=2024)
P6_ORIGIN = SourceRecord(P6.id, SourceKind.OPENALEX, "https://openalex.org/W6", "2024-06-01")
# Dong's and Wei's new paper with a newcomer: one more work and one more
# co-author for Dong (Wei was one already).
NEW_PAPER = ImportBatch(
    authors=(NEWCOMER,),
    papers=(P6,),
    authorships=(AuthorshipRow(DONG, P6.id, 1), AuthorshipRow(NEWCOMER.id, P6.id, 2)),
    paper_topics=((P6.id, KD),),
    sources=(P6_ORIGIN,),
)
NEW_PAPER_WITH_WEI = replace(
    NEW_PAPER, authorships=(*NEW_PAPER.authorships, AuthorshipRow(WEI, P6.id, 3))
)


async def score(store: GraphStore, author_id: str) -> int:
    stats = (await store.author_stats([author_id]))[author_id]
    return trust.compute(await author(store, author_id), stats).score


async def history(store: GraphStore, author_id: str) -> list[tuple[TrustCause, int, int]]:
    page = await store.trust_history(author_id, 100, None)
    return [(c.cause, c.old_score, c.new_score) for c in page.items]


@pytest.mark.parametrize("bulk", [False, True], ids=["import_batch", "bulk_import"])
async def test_an_import_records_the_trust_change_of_a_claimed_author(
    graph: GraphStore, bulk: bool
) -> None:
    run = graph.bulk_import if bulk else graph.import_batch
    await claim(graph, 1, await graph.create_user(make_user(1)), DONG)  # pending
    before = await score(graph, DONG)
    started = utcnow()
    await run(NEW_PAPER_WITH_WEI)
    ended = utcnow()

    # 3 works → 4 (+2), 2 co-authors → 3 (+1): one change, in the import.
    page = await graph.trust_history(DONG, 100, None)
    assert [(c.cause, c.old_score, c.new_score) for c in page.items] == [
        (TrustCause.IMPORT, before, before + 3)
    ]
    (change,) = page.items
    assert change.model_version == trust.MODEL_VERSION
    assert started <= change.at <= ended
    assert change.new_score == await score(graph, DONG)
    # The paper went in whole, its origin with it.
    authors_of = await graph.authors_of_papers([P6.id])
    assert [a.id for a in authors_of[P6.id]] == [DONG, NEWCOMER.id, WEI]
    assert [t.id for t in (await graph.topics_of_papers([P6.id]))[P6.id]] == [KD]
    assert (await graph.sources_of([P6.id]))[P6.id].locator == P6_ORIGIN.locator
    # Unclaimed authors keep no history of imports (README), though Wei's score moved.
    assert await history(graph, WEI) == []
    assert await history(graph, NEWCOMER.id) == []

    # The same data again moves no score: nothing more is recorded.
    await run(NEW_PAPER_WITH_WEI)
    await graph.import_batch(GRAPH)
    assert [c.id for c in (await graph.trust_history(DONG, 100, None)).items] == [change.id]


@pytest.mark.parametrize("bulk", [False, True], ids=["import_batch", "bulk_import"])
async def test_an_import_records_a_claimed_authors_new_coauthor_and_printed_figures(
    graph: GraphStore, bulk: bool
) -> None:
    run = graph.bulk_import if bulk else graph.import_batch
    await verified_user(graph, 1, ZOE)
    verified = await score(graph, ZOE)
    # A newcomer joins Zoe's paper P4: the batch does not name Zoe, her
    # co-authors still grow by one.
    await run(ImportBatch(authors=(NEWCOMER,), authorships=(AuthorshipRow(NEWCOMER.id, P4, 2),)))
    # A page printing more works than the graph holds: the score counts them.
    figures = replace(BAO_FIGURES, works=5, collaborators=0, followers=0, source="zoe.txt")
    await run(ImportBatch(authors=(replace(AUTHORS[3], imported=figures),)))
    assert await history(graph, ZOE) == [
        (TrustCause.IMPORT, verified + 1, await score(graph, ZOE)),
        (TrustCause.IMPORT, verified, verified + 1),
        (TrustCause.CLAIM_VERIFIED, verified - 20, verified),
    ]
    assert await score(graph, ZOE) == verified + 1 + 6  # 5 works, not 2: +6


async def test_imports_racing_follows_record_one_chain_of_changes(graph: GraphStore) -> None:
    # Each event starts from the score the one before it left (Neo4j: the
    # import locks the claimed author, as a follow does).
    await claim(graph, 1, await graph.create_user(make_user(1)), DONG)
    fans = [await graph.create_user(make_user(10 + n)) for n in range(ROUNDS)]
    start = await score(graph, DONG)

    def new_paper(n: int) -> ImportBatch:
        coauthor = AuthorRecord(f"author:race-{n}", f"race-{n}", f"Race {n}")
        paper = PaperRecord(f"paper:race-{n}", f"Race {n}", PaperKind.PREPRINT, year=2024)
        rows = (AuthorshipRow(DONG, paper.id, 1), AuthorshipRow(coauthor.id, paper.id, 2))
        return ImportBatch(authors=(coauthor,), papers=(paper,), authorships=rows)

    await asyncio.gather(
        *(graph.import_batch(new_paper(n)) for n in range(ROUNDS)),
        *(graph.follow(fan.id, DONG, utcnow()) for fan in fans),
    )
    # Every event raised the score: ordered by it, each change starts where
    # the one before ended, from the start to the score now.
    changes = sorted((await graph.trust_history(DONG, 100, None)).items, key=lambda c: c.old_score)
    assert [c.cause for c in changes].count(TrustCause.IMPORT) == ROUNDS
    assert [c.cause for c in changes].count(TrustCause.FOLLOWED) == ROUNDS
    scores = [start] + [c.new_score for c in changes]
    assert [c.old_score for c in changes] == scores[:-1]
    assert scores[-1] == await score(graph, DONG)
