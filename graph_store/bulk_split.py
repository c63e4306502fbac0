"""Which rows of an import batch are new and which merge: the split both bulk
paths make (graph_store/embedded/bulk.py: ``COPY``; graph_store/neo4j/bulk.py:
``CREATE``), written once. New rows go in with the engine's bulk mechanism;
the rest through ``import_batch`` and its merge rules (graph_store/shared_rules.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from graph_store.decisions import holds_claim
from graph_store.records import (
    AuthorRecord,
    AuthorshipRow,
    ImportBatch,
    InstitutionRecord,
    PaperRecord,
    SourceRecord,
    TopicRecord,
)
from graph_store.shared_rules import authors_to_write, first_sources, merge_author, merge_paper


@dataclass(frozen=True, slots=True)
class Split:
    """One batch as new rows (the bulk mechanism) and the rest (``import_batch``)."""

    new_institutions: tuple[InstitutionRecord, ...]
    new_topics: tuple[TopicRecord, ...]
    new_authors: tuple[AuthorRecord, ...]
    new_papers: tuple[PaperRecord, ...]
    new_authorships: tuple[AuthorshipRow, ...]  # of new papers
    new_paper_topics: tuple[tuple[str, str], ...]  # of new papers
    new_affiliations: tuple[tuple[str, str], ...]  # (new author, institution)
    new_sources: tuple[SourceRecord, ...]  # origins of the new authors and papers
    rest: ImportBatch  # keeps every source: a changed value's revision names it

    @property
    def has_new(self) -> bool:
        return bool(self.new_institutions or self.new_topics or self.new_authors or self.new_papers)


_V = TypeVar("_V", TopicRecord, InstitutionRecord)


def _first_by_id(records: Iterable[_V]) -> dict[str, _V]:
    """Vocabulary: the first record of an id wins (as MERGE … ON CREATE does)."""
    out: dict[str, _V] = {}
    for r in records:
        out.setdefault(r.id, r)
    return out


def named_ids(batch: ImportBatch) -> dict[str, list[str]]:
    """Every id a row of the batch names, by label (each once, in order): what
    a store looks up to split it, so a relationship to an older node is kept."""
    ids = {
        "Author": [a.id for a in batch.authors] + [w.author_id for w in batch.authorships],
        "Paper": [p.id for p in batch.papers],
        "Topic": [t.id for t in batch.topics] + [t for _, t in batch.paper_topics],
        "Institution": [i.id for i in batch.institutions]
        + [a.affiliation_id for a in batch.authors if a.affiliation_id is not None],
    }
    return {label: list(dict.fromkeys(named)) for label, named in ids.items()}


def split_batch(
    batch: ImportBatch, existing: Mapping[str, set[str]], claimed: Collection[str] = ()
) -> Split:
    """Which rows are new (absent from ``existing``, by label) and which merge.

    Within the batch, records of one id merge in order with the same rules as
    ``import_batch``; the first row of an authorship or tagging wins. A new
    paper by an author in ``claimed`` (existing authors holding a claim:
    ``claimed_ids``) goes through ``import_batch`` whole, which records the
    author's trust change (decisions.import_watch); such papers are few.
    """
    institutions = _first_by_id(batch.institutions)
    topics = _first_by_id(batch.topics)
    authors: dict[str, AuthorRecord] = {}
    for a in batch.authors:
        authors[a.id] = merge_author(authors.get(a.id), a)
    papers: dict[str, PaperRecord] = {}
    for p in batch.papers:
        papers[p.id] = merge_paper(papers.get(p.id), p)
    new_author_ids = authors.keys() - existing["Author"]
    by_claimed = {w.paper_id for w in batch.authorships if w.author_id in claimed}
    new_paper_ids = papers.keys() - existing["Paper"] - by_claimed
    new_topic_ids = topics.keys() - existing["Topic"]
    new_inst_ids = institutions.keys() - existing["Institution"]
    known_authors = existing["Author"] | authors.keys()
    known_topics = existing["Topic"] | topics.keys()
    known_insts = existing["Institution"] | institutions.keys()

    ships: dict[tuple[str, str], AuthorshipRow] = {}
    for w in batch.authorships:
        ships.setdefault((w.author_id, w.paper_id), w)
    tags = list(dict.fromkeys(batch.paper_topics))
    # Relationship ends that exist nowhere are dropped, as MATCH … MERGE does.
    new_ships = tuple(
        w for w in ships.values() if w.paper_id in new_paper_ids and w.author_id in known_authors
    )
    new_tags = tuple((p, t) for p, t in tags if p in new_paper_ids and t in known_topics)
    affiliations = tuple(
        (i, a.affiliation_id)
        for i, a in authors.items()
        if i in new_author_ids and a.affiliation_id in known_insts
    )
    rest = ImportBatch(
        authors=tuple(a for i, a in authors.items() if i not in new_author_ids),
        papers=tuple(p for i, p in papers.items() if i not in new_paper_ids),
        authorships=tuple(w for w in ships.values() if w.paper_id not in new_paper_ids),
        paper_topics=tuple((p, t) for p, t in tags if p not in new_paper_ids),
        sources=batch.sources,
    )
    new_ids = new_author_ids | new_paper_ids
    return Split(
        new_institutions=tuple(institutions[i] for i in institutions if i in new_inst_ids),
        new_topics=tuple(topics[i] for i in topics if i in new_topic_ids),
        new_authors=tuple(authors[i] for i in authors if i in new_author_ids),
        new_papers=tuple(papers[i] for i in papers if i in new_paper_ids),
        new_authorships=new_ships,
        new_paper_topics=new_tags,
        new_affiliations=affiliations,
        new_sources=tuple(s for i, s in first_sources(batch.sources).items() if i in new_ids),
        rest=rest,
    )


def claimed_ids(stored: Mapping[str, AuthorRecord]) -> set[str]:
    """The stored authors holding a claim, for ``split_batch``."""
    return {i for i, a in stored.items() if holds_claim(a)}


def without_unchanged_authors(
    rest: ImportBatch, stored: Mapping[str, AuthorRecord]
) -> tuple[ImportBatch, list[AuthorRecord]]:
    """``rest`` less the existing authors its rows would leave as they are
    (and those rows).

    Most authors of a chunk are known from earlier chunks, and their rows
    change nothing; ``import_batch`` would read (on Neo4j: lock) every one of
    them again to find that out. The rule is the one it applies
    (shared_rules), without the corrections, which only ever keep a stored
    value: a row that changes nothing without them changes nothing with them,
    whatever a claim or correction commits before ``import_batch`` runs. A row
    that would change something still goes there, to be decided in its
    transaction. The caller still owes the left-out authors what
    ``import_batch`` does for every author: the affiliation edge (the
    institution may have come only now)."""
    changing = {a.id for a in authors_to_write(stored, rest.authors, {})}
    kept = tuple(a for a in rest.authors if a.id in changing)
    return replace(rest, authors=kept), [a for a in rest.authors if a.id not in changing]
