"""Provenance over HTTP on both backends: seed page locators, a correction's
revision keeping the old value, re-import adding nothing, a newer import
flagged rather than applied, the works component's papers, and no moderator
identity or claim evidence in any answer."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph_store.records import ImportBatch, SourceKind, SourceRecord
from seeds.loader import default_seed_paths, load_pages
from tests.api.social.helpers import (
    MODERATOR_EMAIL,
    REVIEW_CORRECTION,
    SUGGEST,
    World,
)

JIAO = "author:binxing-jiao"
PAGE = "000_ca2259648ed9fa42.txt"
THE_X = "THE-X: Privacy-Preserving Transformer Inference with Homomorphic Encryption"
EVIDENCE = "ORCID 0000-0002-EVIDENCE-SECRET"
NOTE = "moderator-only note 7f3a"

PROVENANCE_FIELDS = "source locator snapshotDate retrievedAt"
REVISION_FIELDS = (
    f"recordId field value at source reason overridden provenance {{ {PROVENANCE_FIELDS} }}"
)

PAPER_PROVENANCE = f"""
query($id: ID!, $field: String!) {{
  paper(id: $id) {{
    title
    provenance(field: $field) {{ {PROVENANCE_FIELDS} }}
    history(field: $field) {{ {REVISION_FIELDS} }}
  }}
}}"""

AUTHOR_PROVENANCE = f"""
query($id: ID!, $field: String!) {{
  author(id: $id) {{
    name
    provenance(field: $field) {{ {PROVENANCE_FIELDS} }}
    history(field: $field) {{ {REVISION_FIELDS} }}
  }}
}}"""

THE_X_ID = (
    """query { papers(first: 1, filter: {titleContains: "THE-X"}) { edges { node { id } } } }"""
)

CONFLICTS = f"""
query {{
  provenanceConflicts(first: 10) {{ totalCount edges {{ node {{ {REVISION_FIELDS} }} }} }}
}}"""

WORKS = f"""
query($id: ID!) {{
  author(id: $id) {{
    trust {{
      components {{
        name
        papers(first: 10) {{
          totalCount
          edges {{ node {{ title provenance(field: "title") {{ {PROVENANCE_FIELDS} }} }} }}
        }}
      }}
    }}
  }}
}}"""


async def _the_x(world: World) -> str:
    paper_id: str = (await world.run(THE_X_ID))["papers"]["edges"][0]["node"]["id"]
    return paper_id


async def _apply(world: World, target: str, field: str, value: str, reason: str) -> str:
    assert world.moderator is not None
    ada = world.sessions.get("Ada") or await world.sign_up("Ada")
    p = await world.payload(
        SUGGEST,
        {"input": {"targetId": target, "field": field, "proposedValue": value, "reason": reason}},
        ada.token,
    )
    assert p["userErrors"] == [], p
    corr_id: str = p["correction"]["id"]
    applied = await world.payload(
        REVIEW_CORRECTION,
        {"input": {"correctionId": corr_id, "apply": True, "note": NOTE}},
        world.moderator.token,
    )
    assert applied["userErrors"] == [], applied
    return corr_id


async def test_seed_records_name_their_page_and_line(world: World) -> None:
    author = (await world.run(AUTHOR_PROVENANCE, {"id": JIAO, "field": "name"}))["author"]
    (source,) = author["provenance"]
    assert (source["source"], source["locator"], source["snapshotDate"]) == (
        "SEED_PAGE",
        f"{PAGE}:3",
        None,
    )
    assert source["retrievedAt"] is not None
    (only,) = author["history"]
    assert (only["value"], only["source"], only["reason"], only["overridden"]) == (
        "Binxing Jiao",
        "SEED_PAGE",
        None,
        False,
    )
    assert only["provenance"] == source
    paper = (await world.run(PAPER_PROVENANCE, {"id": await _the_x(world), "field": "codeUrl"}))[
        "paper"
    ]
    # The first page listing it (both list it as a preprint), at its title line.
    assert [p["locator"] for p in paper["provenance"]] == [f"{PAGE}:63"]


async def test_unknown_field_is_refused_listing_the_tracked_ones(world: World) -> None:
    body = await world.gql.post(AUTHOR_PROVENANCE, {"id": JIAO, "field": "orcid"})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "tracked: name" in error["message"]
    body = await world.gql.post(PAPER_PROVENANCE, {"id": await _the_x(world), "field": "kind"})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "title, year, venue, abstract, codeUrl" in error["message"]


async def test_a_correction_appends_a_revision_and_reimport_adds_none(world: World) -> None:
    paper_id = await _the_x(world)
    corr_id = await _apply(world, paper_id, "title", "THE-X (corrected)", "The PDF's title page")
    paper = (await world.run(PAPER_PROVENANCE, {"id": paper_id, "field": "title"}))["paper"]
    assert paper["title"] == "THE-X (corrected)"
    new, old = paper["history"]
    assert (new["value"], new["source"], new["reason"], new["provenance"]["locator"]) == (
        "THE-X (corrected)",
        "CORRECTION",
        "The PDF's title page",
        corr_id,
    )
    assert (old["value"], old["source"], old["provenance"]["locator"]) == (
        THE_X,
        "SEED_PAGE",
        f"{PAGE}:63",
    )
    assert [p["source"] for p in paper["provenance"]] == ["CORRECTION", "SEED_PAGE"]
    # Importing the seed pages again changes nothing and adds no revision.
    await load_pages(world.store, default_seed_paths())
    again = (await world.run(PAPER_PROVENANCE, {"id": paper_id, "field": "title"}))["paper"]
    assert again == paper


async def test_an_edited_seed_page_shows_in_history(world: World, tmp_path: Path) -> None:
    # A copy of the page (same file name) that prints the name otherwise.
    page = default_seed_paths()[0]
    lines = page.read_text(encoding="utf-8").split("\n")
    assert page.name == PAGE and lines[2] == "Binxing Jiao"
    lines[2] = "BINXING JIAO"
    (tmp_path / PAGE).write_text("\n".join(lines), encoding="utf-8")
    await load_pages(world.store, [tmp_path / PAGE, *default_seed_paths()[1:]])
    author = (await world.run(AUTHOR_PROVENANCE, {"id": JIAO, "field": "name"}))["author"]
    assert author["name"] == "BINXING JIAO"
    assert [(h["value"], h["source"], h["provenance"]["locator"]) for h in author["history"]] == [
        ("BINXING JIAO", "SEED_PAGE", f"{PAGE}:3"),
        ("Binxing Jiao", "SEED_PAGE", f"{PAGE}:3"),
    ]
    # The same page and line: one source.
    (source,) = author["provenance"]
    assert (source["source"], source["locator"]) == ("SEED_PAGE", f"{PAGE}:3")


async def test_a_newer_import_after_a_correction_is_flagged_not_applied(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    await world.claim(ada, JIAO, evidence=EVIDENCE)
    await _apply(world, JIAO, "name", "Binxing J. Jiao", "Signs papers with the middle initial")
    # An edited profile page, imported later: it spells the name otherwise.
    stored = (await world.store.get_authors([JIAO]))[JIAO]
    later = datetime(2031, 1, 1, tzinfo=UTC)
    edited = SourceRecord(JIAO, SourceKind.SEED_PAGE, f"{PAGE}:3", retrieved_at=later)
    await world.store.import_batch(
        ImportBatch(authors=(replace(stored, name="B. Jiao"),), sources=(edited,))
    )
    author = (await world.run(AUTHOR_PROVENANCE, {"id": JIAO, "field": "name"}))["author"]
    assert author["name"] == "Binxing J. Jiao"
    flagged, corrected, original = author["history"]
    assert (flagged["value"], flagged["overridden"], flagged["source"]) == (
        "B. Jiao",
        True,
        "SEED_PAGE",
    )
    assert (corrected["value"], corrected["overridden"]) == ("Binxing J. Jiao", False)
    assert original["value"] == "Binxing Jiao"
    # The overridden value is no source of the field's values.
    assert [p["source"] for p in author["provenance"]] == ["CORRECTION", "SEED_PAGE"]
    conflicts = (await world.run(CONFLICTS, token=world.moderator.token))["provenanceConflicts"]
    assert conflicts["totalCount"] == 1
    assert conflicts["edges"][0]["node"] == flagged
    assert (await world.run(CONFLICTS, token=ada.token))["provenanceConflicts"] is None
    assert (await world.run(CONFLICTS))["provenanceConflicts"] is None


async def test_no_moderator_identity_or_claim_evidence_in_provenance(world: World) -> None:
    assert world.moderator is not None
    ada = await world.sign_up("Ada")
    await world.claim(ada, JIAO, evidence=EVIDENCE)
    paper_id = await _the_x(world)
    await _apply(world, JIAO, "name", "Binxing Jiao Jr", "As printed in the 2023 paper")
    await _apply(world, paper_id, "venue", "ACL Findings 2022", "Published there")
    answers: list[Any] = []
    for field in ("name",):
        answers.append(await world.run(AUTHOR_PROVENANCE, {"id": JIAO, "field": field}))
    for field in ("title", "year", "venue", "abstract", "codeUrl"):
        answers.append(await world.run(PAPER_PROVENANCE, {"id": paper_id, "field": field}))
    answers.append(await world.run(CONFLICTS, token=world.moderator.token))
    answers.append(await world.run(WORKS, {"id": JIAO}))
    text = json.dumps(answers)
    assert "ACL Findings 2022" in text and "As printed in the 2023 paper" in text
    for secret in (
        world.moderator.user_id,
        MODERATOR_EMAIL,
        "Mia Moderator",
        ada.user_id,
        "ada@example.org",
        EVIDENCE,
        NOTE,
    ):
        assert secret not in text, secret


async def test_published_works_reach_the_papers_and_their_provenance(world: World) -> None:
    components = (await world.run(WORKS, {"id": JIAO}))["author"]["trust"]["components"]
    by_name = {c["name"]: c["papers"] for c in components}
    assert [n for n, papers in by_name.items() if papers is not None] == ["Published works"]
    works = by_name["Published works"]
    assert works["totalCount"] == 3
    for edge in works["edges"]:
        (source,) = edge["node"]["provenance"]
        assert source["source"] == "SEED_PAGE"
        assert source["locator"].endswith(".txt:" + source["locator"].rsplit(":", 1)[1])
    titles = {e["node"]["title"] for e in works["edges"]}
    assert THE_X in titles
