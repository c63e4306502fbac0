"""The synthetic OpenAlex dataset: deterministic, the asked-for sizes exactly,
power-law shaped, in OpenAlex's works format."""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from api.cli import main
from seeds.loader import slugify
from seeds.openalex_generator import SNAPSHOT_FROM, GeneratorSpec, works, write

SPEC = GeneratorSpec(authors=400, papers=1200, authorships=4000, institutions=30, seed=3)


def _text(spec: GeneratorSpec) -> str:
    out = io.StringIO()
    write(spec, out)
    return out.getvalue()


def test_the_same_spec_gives_the_same_bytes() -> None:
    assert _text(SPEC) == _text(SPEC)
    assert _text(SPEC) != _text(GeneratorSpec(400, 1200, 4000, 30, seed=4))


def test_sizes_are_exact_and_authors_distinct_per_paper() -> None:
    all_works = list(works(SPEC))
    assert len(all_works) == SPEC.papers
    assert [w["id"] for w in all_works[:2]] == [
        "https://openalex.org/W1",
        "https://openalex.org/W2",
    ]
    per_paper = [len(w["authorships"]) for w in all_works]
    assert sum(per_paper) == SPEC.authorships and min(per_paper) >= 1
    for w in all_works:
        ids = [a["author"]["id"] for a in w["authorships"]]
        assert len(ids) == len(set(ids))
    authors = {a["author"]["id"] for w in all_works for a in w["authorships"]}
    assert len(authors) <= SPEC.authors


def test_papers_per_author_and_authors_per_paper_are_heavy_tailed() -> None:
    all_works = list(works(SPEC))
    papers_of = Counter(a["author"]["id"] for w in all_works for a in w["authorships"])
    mean = SPEC.authorships / len(papers_of)
    assert max(papers_of.values()) > 8 * mean  # hubs
    assert sorted(papers_of.values())[len(papers_of) // 2] <= mean  # most write few
    per_paper = sorted(len(w["authorships"]) for w in all_works)
    assert per_paper[-1] > 4 * SPEC.authorships / SPEC.papers  # a few big collaborations


def test_works_have_the_openalex_fields() -> None:
    work = next(works(SPEC))
    assert {"id", "doi", "title", "publication_year", "type", "primary_location",
            "abstract_inverted_index", "authorships", "updated_date"} <= set(work)  # fmt: skip
    assert work["primary_location"]["source"]["display_name"].startswith("Venue ")
    first = work["authorships"][0]
    assert first["author_position"] == "first" and first["institutions"][0]["id"]
    index = work["abstract_inverted_index"]
    words = sorted((p, w) for w, ps in index.items() for p in ps)
    assert [p for p, _ in words] == list(range(len(words)))  # one word per position
    with_topics = [w for w in works(SPEC) if "topics" in w]
    assert len(with_topics) == SPEC.papers // 2
    assert 0.5 <= with_topics[0]["topics"][0]["score"] <= 1.0


def test_works_carry_an_updated_date_from_the_seed() -> None:
    # OpenAlex's updated_date: what provenance shows as a snapshot date.
    dates = [w["updated_date"] for w in works(SPEC)]
    assert all(datetime.fromisoformat(d) >= SNAPSHOT_FROM for d in dates)
    assert len(set(dates)) > SPEC.papers * 0.9
    other = [w["updated_date"] for w in works(GeneratorSpec(400, 1200, 4000, 30, seed=4))]
    assert dates == [w["updated_date"] for w in works(SPEC)] and dates != other


def test_non_latin_names_get_real_slugs() -> None:
    names = {a["author"]["display_name"] for w in works(SPEC) for a in w["authorships"]}
    non_latin = [n for n in names if not n.isascii()]
    assert non_latin
    assert all(slugify(n) != "author" for n in non_latin)


def test_the_command_writes_gzipped_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "works.jsonl.gz"
    args = ["generate", "--authors", "50", "--papers", "80", "--authorships", "200"]
    assert main([*args, "--output", str(out)]) == 0
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert len(lines) == 80 and json.loads(lines[0])["id"] == "https://openalex.org/W1"
    first = out.read_bytes()
    assert main([*args, "--output", str(out)]) == 0
    assert out.read_bytes() == first  # gzip without a timestamp: same bytes


def test_impossible_sizes_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--authors", "2", "--papers", "10", "--authorships", "50"]) == 2
    assert "authorships must be between" in capsys.readouterr().err
