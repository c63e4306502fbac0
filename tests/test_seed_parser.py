"""The seed pages parse into the facts they print; the tagger tags them sensibly."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph_store.records import PaperKind
from seeds.loader import default_seed_paths
from seeds.parser import (
    PageFormat,
    ParsedPage,
    ParsedPaper,
    ProfileHeader,
    SeedParseError,
    classify_kind,
    detect_format,
    extract_code_url,
    name_key,
    parse_file,
    parse_page,
    shared_paper_counts,
    title_key,
)
from seeds.tagger import Tagger, default_tagger

PROFILE_OWNERS = ["Binxing Jiao", "Zhibin Xiao", "Hangbo Bao", "Qingru Zhang"]
ANTHOLOGY_OWNER = "Chenhe Dong"

THE_X = "THE-X: Privacy-Preserving Transformer Inference with Homomorphic Encryption"
HRKD = (
    "HRKD: Hierarchical Relational Knowledge Distillation for Cross-domain "
    "Language Model Compression"
)
EFFICIENTBERT = (
    "EfficientBERT: Progressively Searching Multilayer Perceptron via Warm-up "
    "Knowledge Distillation"
)
SOFT_PROMPTS = "Tunable Soft Prompts are Messengers in Federated Learning"
MINILM = (
    "MiniLM: Deep Self-Attention Distillation for Task-Agnostic Compression of "
    "Pre-Trained Transformers"
)
UNILMV2 = "UniLMv2: Pseudo-Masked Language Models for Unified Language Model Pre-Training"

# Topic slugs expected for every seed paper, checked by hand against the
# title and abstract.
EXPECTED_TOPICS: dict[str, set[str]] = {
    "Task-Specific Expert Pruning for Sparse Mixture-of-Experts": {
        "pruning",
        "mixture-of-experts",
    },
    THE_X: {"privacy-preserving-inference"},
    "Towards Robust Ranker for Text Retrieval": {"information-retrieval"},
    "Rethinking Network Pruning -- under the Pre-train and Fine-tune Paradigm": {"pruning"},
    "S4: a High-sparsity, High-performance AI Accelerator": {
        "hardware-acceleration",
        "pruning",  # "Pruning and sparsity": a high-sparsity accelerator for pruned models
    },
    "Attention Temperature Matters in Abstractive Summarization Distillation": {
        "summarization",
        "knowledge-distillation",
    },
    "BEiT: BERT Pre-Training of Image Transformers": {"visual-pretraining"},
    "Image as a Foreign Language: BEiT Pretraining for All Vision and Vision-Language Tasks": {
        "vision-language-pretraining",
    },
    "VLMo: Unified Vision-Language Pre-Training with Mixture-of-Modality-Experts": {
        "vision-language-pretraining",
        "mixture-of-experts",
    },
    MINILM: {"knowledge-distillation"},
    UNILMV2: {"language-model-pretraining"},
    "MoEBERT: from BERT to Mixture-of-Experts via Importance-Guided Adaptation": {
        "mixture-of-experts",
        "knowledge-distillation",
    },
    "PLATON: Pruning Large Transformer Models with Upper Confidence Bound of Weight Importance": {
        "pruning",
    },
    SOFT_PROMPTS: {"federated-learning"},
    HRKD: {"knowledge-distillation"},
    EFFICIENTBERT: {"knowledge-distillation", "neural-architecture-search"},
}

EXPECTED_CODE_URLS = {
    "Attention Temperature Matters in Abstractive Summarization Distillation": (
        "https://github.com/Shengqiang-Zhang/plate"
    ),
    "BEiT: BERT Pre-Training of Image Transformers": "https://aka.ms/beit",
    "VLMo: Unified Vision-Language Pre-Training with Mixture-of-Modality-Experts": (
        "https://aka.ms/vlmo"
    ),
    "MoEBERT: from BERT to Mixture-of-Experts via Importance-Guided Adaptation": (
        "https://github.com/SimiaoZuo/MoEBERT"
    ),
    "PLATON: Pruning Large Transformer Models with Upper Confidence Bound of Weight Importance": (
        "https://github.com/QingruZhang/PLATON"
    ),
    SOFT_PROMPTS: "https://github.com/alibaba/FederatedScope/tree/fedsp/federatedscope/nlp/fedsp",
    HRKD: "https://github.com/cheneydon/hrkd",
    EFFICIENTBERT: "https://github.com/cheneydon/efficient-bert",
}


@pytest.fixture(scope="module")
def pages() -> list[ParsedPage]:
    return [parse_file(p) for p in default_seed_paths()]


def by_owner(pages: list[ParsedPage], owner: str) -> ParsedPage:
    return next(p for p in pages if p.owner == owner)


def all_papers(pages: list[ParsedPage]) -> dict[str, list[ParsedPaper]]:
    result: dict[str, list[ParsedPaper]] = {}
    for page in pages:
        for paper in page.papers:
            result.setdefault(paper.title, []).append(paper)
    return result


# --- formats and owners ----------------------------------------------------------


def test_five_packaged_pages_in_two_formats(pages: list[ParsedPage]) -> None:
    assert [p.name[:3] for p in default_seed_paths()] == ["000", "001", "002", "003", "004"]
    assert [(p.owner, p.format) for p in pages] == [
        ("Binxing Jiao", PageFormat.PROFILE),
        ("Zhibin Xiao", PageFormat.PROFILE),
        ("Hangbo Bao", PageFormat.PROFILE),
        ("Qingru Zhang", PageFormat.PROFILE),
        ("Chenhe Dong", PageFormat.ANTHOLOGY),
    ]


def test_format_is_detected_from_content_not_file_name() -> None:
    paths = default_seed_paths()
    anthology_text = paths[4].read_text(encoding="utf-8")
    profile_text = paths[0].read_text(encoding="utf-8")
    assert detect_format(anthology_text, "000_profile_looking_name.txt") is PageFormat.ANTHOLOGY
    assert detect_format(profile_text, "004_anthology.txt") is PageFormat.PROFILE
    page = parse_page(anthology_text, "renamed.txt")
    assert page.format is PageFormat.ANTHOLOGY
    assert page.source == "renamed.txt"


@pytest.mark.parametrize(
    ("owner", "works", "followers", "topics", "collaborators", "score", "tier"),
    [
        ("Binxing Jiao", 3, 0, 5, 4, 15, "UNVERIFIED"),
        ("Zhibin Xiao", 2, 0, 4, 4, 13, "UNVERIFIED"),
        ("Hangbo Bao", 7, 0, 4, 4, 21, "EMERGING"),
        ("Qingru Zhang", 2, 0, 2, 4, 13, "UNVERIFIED"),
    ],
)
def test_profile_figures(
    pages: list[ParsedPage],
    owner: str,
    works: int,
    followers: int,
    topics: int,
    collaborators: int,
    score: int,
    tier: str,
) -> None:
    figures = by_owner(pages, owner).figures
    assert figures is not None
    assert (figures.works, figures.followers, figures.topics, figures.collaborators) == (
        works,
        followers,
        topics,
        collaborators,
    )
    assert (figures.trust_score, figures.trust_tier, figures.verification) == (score, tier, "L1")
    assert figures.claim_label == "Unclaimed author"


def test_anthology_owner_has_no_printed_figures(pages: list[ParsedPage]) -> None:
    assert by_owner(pages, ANTHOLOGY_OWNER).figures is None


# --- papers ------------------------------------------------------------------------


def test_profile_header(pages: list[ParsedPage]) -> None:
    """Each profile page prints "Researcher · Affiliation not imported · Open to collaborate"
    (the separators lost in the text): the role, the affiliation state, the openness."""
    for owner in PROFILE_OWNERS:
        assert by_owner(pages, owner).header == ProfileHeader(
            "Researcher", "Affiliation not imported", True
        )
    assert by_owner(pages, ANTHOLOGY_OWNER).header is None


@pytest.mark.parametrize(
    ("line", "header"),
    [
        (
            "Researcher · Affiliation not imported · Open to collaborate",
            ProfileHeader("Researcher", "Affiliation not imported", True),
        ),
        (
            "ResearcherAffiliation not imported",
            ProfileHeader("Researcher", "Affiliation not imported", False),
        ),
        ("PhD student · Open to collaborate", ProfileHeader("PhD student", None, True)),
        # A line without either phrase is the description, not a header; nor
        # is a phrase with no role before it.
        ("Ann Lee contributes to research discovery.", None),
        ("Open to collaborate", None),
    ],
)
def test_profile_header_variants(line: str, header: ProfileHeader | None) -> None:
    page = "\n".join(
        ["Ann Lee", "Ann Lee contributes to research discovery.", line,
         "Trust 13 - UnverifiedVerification L1Unclaimed author",
         "1works", "0followers", "1topics", "0close collaborators",
         "Published work", "preprint2022arXiv", "A Title"]
    )  # fmt: skip
    assert parse_page(page, "p.txt").header == header


def test_a_profile_page_without_a_header() -> None:
    page = "\n".join(
        ["Ann Lee", "Trust 13 - UnverifiedVerification L1Unclaimed author",
         "1works", "0followers", "1topics", "0close collaborators",
         "Published work", "preprint2022arXiv", "A Title"]
    )  # fmt: skip
    assert parse_page(page, "p.txt").header is None


def test_sixteen_distinct_works_and_the_x_on_two_pages(pages: list[ParsedPage]) -> None:
    assert [len(p.papers) for p in pages] == [3, 2, 7, 2, 3]
    keys = {paper.title_key for page in pages for paper in page.papers}
    assert len(keys) == 16
    assert set(EXPECTED_TOPICS) == {t for t in all_papers(pages)}
    the_x = all_papers(pages)[THE_X]
    assert sorted(a.name for p in the_x for a in p.authors) == ["Binxing Jiao", "Hangbo Bao"]


def test_profile_items_are_arxiv_preprints_with_their_years(pages: list[ParsedPage]) -> None:
    for page in pages[:4]:
        for paper in page.papers:
            assert paper.kind is PaperKind.PREPRINT
            assert paper.venue == "arXiv"
            assert paper.authors[0].name == page.owner
            assert [a.position for a in paper.authors] == [0]  # order unknown
    years = {t: ps[0].year for t, ps in all_papers(pages).items()}
    assert years[MINILM] == 2020
    assert years[UNILMV2] == 2020
    assert years[THE_X] == 2022
    assert years["S4: a High-sparsity, High-performance AI Accelerator"] == 2022


def test_anthology_papers_years_venues_kinds_and_author_order(pages: list[ParsedPage]) -> None:
    page = by_owner(pages, ANTHOLOGY_OWNER)
    got = [
        (p.title, p.year, p.kind, p.venue, [(a.name, a.position) for a in p.authors])
        for p in page.papers
    ]
    assert got == [
        (
            SOFT_PROMPTS,
            2023,
            PaperKind.CONFERENCE,
            "Findings of the Association for Computational Linguistics: EMNLP 2023",
            [
                ("Chenhe Dong", 1),
                ("Yuexiang Xie", 2),
                ("Bolin Ding", 3),
                ("Ying Shen", 4),
                ("Yaliang Li", 5),
            ],
        ),
        (
            HRKD,
            2021,
            PaperKind.CONFERENCE,
            "Proceedings of the 2021 Conference on Empirical Methods in Natural Language "
            "Processing",
            [("Chenhe Dong", 1), ("Yaliang Li", 2), ("Ying Shen", 3), ("Minghui Qiu", 4)],
        ),
        (
            # The "2021" year line applies to this paper too.
            EFFICIENTBERT,
            2021,
            PaperKind.CONFERENCE,
            "Findings of the Association for Computational Linguistics: EMNLP 2021",
            [
                ("Chenhe Dong", 1),
                ("Guangrun Wang", 2),
                ("Hang Xu", 3),
                ("Jiefeng Peng", 4),
                ("Xiaozhe Ren", 5),
                ("Xiaodan Liang", 6),
            ],
        ),
    ]


def test_named_authors(pages: list[ParsedPage]) -> None:
    names = {name_key(a.name) for page in pages for p in page.papers for a in p.authors}
    names |= {name_key(page.owner) for page in pages}
    assert len(names) == 15


def test_printed_coauthor_counts_match_the_papers(pages: list[ParsedPage]) -> None:
    page = by_owner(pages, ANTHOLOGY_OWNER)
    printed = [(c.name, c.shared_papers) for c in page.coauthors]
    assert printed == [
        ("Yaliang Li", 2),
        ("Ying Shen", 2),
        ("Bolin Ding", 1),
        ("Xiaodan Liang", 1),
        ("Jiefeng Peng", 1),
    ]
    assert page.coauthors_truncated  # "- show all..."
    computed = shared_paper_counts(page)
    for name, count in printed:
        assert computed[name_key(name)] == count, name
    # The printed list is the head of the full list, most shared papers first.
    assert max(c for k, c in computed.items() if k not in {name_key(n) for n, _ in printed}) <= 1


def test_code_urls_are_found_and_kept_in_the_abstract(pages: list[ParsedPage]) -> None:
    papers = {t: ps[0] for t, ps in all_papers(pages).items()}
    found = {t: p.code_url for t, p in papers.items() if p.code_url}
    assert found == EXPECTED_CODE_URLS
    for title, url in EXPECTED_CODE_URLS.items():
        abstract = papers[title].abstract
        assert abstract is not None
        assert url.removeprefix("https://") in abstract
    plate = papers["Attention Temperature Matters in Abstractive Summarization Distillation"]
    assert plate.abstract is not None
    assert plate.abstract.endswith(r"\url{https://github.com/Shengqiang-Zhang/plate}.")


def test_abstracts_present(pages: list[ParsedPage]) -> None:
    for page in pages:
        for paper in page.papers:
            assert paper.abstract and len(paper.abstract) > 200, paper.title


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("Code: https://github.com/a/b.", "https://github.com/a/b"),
        ("see http://github.com/a/b, and more", "https://github.com/a/b"),
        ("see www.github.com/a/b-c_d.", "https://github.com/a/b-c_d"),
        ("at github.com/a/b)", "https://github.com/a/b"),
        (r"\url{https://aka.ms/x}.", "https://aka.ms/x"),
        ("(https://GitHub.com/Org/Repo/)", "https://github.com/Org/Repo"),
        ("no link at https://example.org/x", None),
        ("mygithub.com/a is not it", None),
        ("", None),
    ],
)
def test_extract_code_url(text: str, url: str | None) -> None:
    assert extract_code_url(text) == url


@pytest.mark.parametrize(
    ("venue", "token", "kind"),
    [
        ("arXiv", "preprint", PaperKind.PREPRINT),
        ("Proceedings of the 2021 Conference on EMNLP", "preprint", PaperKind.PREPRINT),
        ("Proceedings of the 2021 Conference on EMNLP", None, PaperKind.CONFERENCE),
        (
            "Findings of the Association for Computational Linguistics: EMNLP 2021",
            None,
            PaperKind.CONFERENCE,
        ),
        ("Journal of Machine Learning Research", None, PaperKind.JOURNAL),
        ("IEEE Transactions on Pattern Analysis and Machine Intelligence", None, PaperKind.JOURNAL),
        ("Transactions of the Association for Computational Linguistics", None, PaperKind.JOURNAL),
        ("Nature", "journal", PaperKind.JOURNAL),
        ("Nature", "article", PaperKind.JOURNAL),
        ("arXiv", None, PaperKind.PREPRINT),
    ],
)
def test_classify_kind(venue: str, token: str | None, kind: PaperKind) -> None:
    assert classify_kind(venue, token) is kind


def test_title_key_ignores_case_and_whitespace() -> None:
    assert title_key("  THE-X:  privacy-preserving\tTransformer ") == title_key(
        "the-x: Privacy-Preserving Transformer"
    )


def test_a_journal_item_on_a_profile_page() -> None:
    text = (
        (Path(default_seed_paths()[1]))
        .read_text(encoding="utf-8")
        .replace("preprint2022arXiv\n\nS4", "journal2023IEEE Micro\n\nS4")
    )
    page = parse_page(text, "001.txt")
    s4 = page.papers[1]
    assert (s4.kind, s4.year, s4.venue) == (PaperKind.JOURNAL, 2023, "IEEE Micro")


# --- errors ----------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def test_missing_title_names_file_and_line() -> None:
    lines = _lines(default_seed_paths()[2])
    assert lines[84] == "preprint2020arXiv"  # line 85: MiniLM's kind line
    del lines[86:89]  # MiniLM's title and abstract (and the blank between)
    with pytest.raises(SeedParseError) as err:
        parse_page("\n".join(lines), "002_x.txt")
    assert err.value.source == "002_x.txt"
    assert err.value.line == 88  # the next kind line, where the title should be
    assert str(err.value) == '002_x.txt:88: expected a title after "preprint2020arXiv"'


def test_missing_title_at_end_of_page() -> None:
    text = "Researcher profile\n\nA B\n\nTrust 1 - UnverifiedVerification L1Unclaimed author\n"
    text += "1works\n0followers\n0topics\n0close collaborators\nPublished work\npreprint2022arXiv\n"
    with pytest.raises(SeedParseError, match=r'^p\.txt:11: expected a title after "preprint2022'):
        parse_page(text, "p.txt")


def test_missing_counts_are_reported() -> None:
    lines = _lines(default_seed_paths()[0])
    assert lines[15] == "5topics"
    del lines[15]
    with pytest.raises(SeedParseError) as err:
        parse_page("\n".join(lines), "000.txt")
    assert err.value.line == 18  # "Actions": where the counts stopped
    assert err.value.message == 'expected "<n>topics" after the trust snapshot'


def test_missing_trust_snapshot() -> None:
    lines = _lines(default_seed_paths()[0])
    lines[12] = "Trust unknown"
    with pytest.raises(SeedParseError, match=r"^000\.txt:3: expected a trust snapshot line"):
        parse_page("\n".join(lines), "000.txt")


def test_announced_item_count_must_match() -> None:
    text = default_seed_paths()[0].read_text(encoding="utf-8")
    text = text.replace("3 published item(s)", "4 published item(s)")
    with pytest.raises(SeedParseError, match=r"^000\.txt:53: the page announces 4 published"):
        parse_page(text, "000.txt")


def test_minimal_anthology_page_and_junk_after_coauthors() -> None:
    text = "Someone\n2020\n" + "\n".join(["Title", "Someone", "Venue of it", "Abstract."])
    page = parse_page(text, "a.txt")
    assert page.papers[0].year == 2020
    bad = "Someone\n2020\nSearch\nCo-authors\n- X 1\nTitle"
    with pytest.raises(SeedParseError, match=r'^b\.txt:6: unexpected "Title" after the co-author'):
        parse_page(bad, "b.txt")


def test_anthology_author_after_bar_missing() -> None:
    lines = _lines(default_seed_paths()[4])
    assert lines[11] == "Yaliang Li" and lines[10] == "|"
    lines[11] = "2023"
    with pytest.raises(SeedParseError) as err:
        parse_page("\n".join(lines), "004_x.txt")
    assert (err.value.source, err.value.line) == ("004_x.txt", 12)
    assert 'expected an author name after "|"' in err.value.message


def test_anthology_missing_venue() -> None:
    text = "Someone\n2020\nA Title\nSomeone\n2019\nOther"
    with pytest.raises(SeedParseError, match=r'^c\.txt:5: expected the venue of "A Title"'):
        parse_page(text, "c.txt")


def test_unrecognised_page() -> None:
    with pytest.raises(SeedParseError, match=r"^x\.txt:1: unrecognised page"):
        parse_page("Hello\nworld\n", "x.txt")
    with pytest.raises(SeedParseError, match=r"^e\.txt:1: the page is empty"):
        parse_page("\n\n", "e.txt")


# --- topics ------------------------------------------------------------------------


REQUIRED_TOPICS = {
    "knowledge-distillation",
    "pruning",
    "mixture-of-experts",
    "privacy-preserving-inference",
    "vision-language-pretraining",
    "federated-learning",
    "information-retrieval",
    "summarization",
    "neural-architecture-search",
    "hardware-acceleration",
    "language-model-pretraining",
}


def test_vocabulary_has_the_required_topics() -> None:
    slugs = {t.slug for t in default_tagger().topics}
    assert slugs >= REQUIRED_TOPICS
    assert len(slugs) <= len(REQUIRED_TOPICS) + 3  # a controlled, small vocabulary
    for topic in default_tagger().topics:
        assert topic.id == f"topic:{topic.slug}"
        assert topic.name and topic.name[0].isupper()


def test_every_seed_paper_gets_its_expected_topics(pages: list[ParsedPage]) -> None:
    tagger = default_tagger()
    got = {
        title: set(tagger.tag_slugs(title, papers[0].abstract))
        for title, papers in all_papers(pages).items()
    }
    assert got == EXPECTED_TOPICS
    assert all(got.values())


@pytest.mark.parametrize(
    ("title", "abstract", "absent"),
    [
        # Nearly every abstract starts with "pre-trained language models".
        (
            "A Study",
            "Pre-trained language models are large. Pre-trained language models.",
            "language-model-pretraining",
        ),
        # Cross-modal retrieval is not text retrieval.
        ("A Study", "image-text retrieval and image-text retrieval", "information-retrieval"),
        # One passing mention in an abstract is not enough.
        ("A Study", "Our model is not hardware-friendly.", "hardware-acceleration"),
        ("A Study", "settings include retriever distillation", "knowledge-distillation"),
        # Acronyms are case-sensitive; "moe" and "fl" are not MoE and FL.
        ("Moe and fl", None, "mixture-of-experts"),
        ("Moe and fl", None, "federated-learning"),
    ],
)
def test_tagger_does_not_over_tag(title: str, abstract: str | None, absent: str) -> None:
    assert absent not in default_tagger().tag_slugs(title, abstract)


@pytest.mark.parametrize(
    ("title", "abstract", "present"),
    [
        ("Self-Distillation Revisited", None, "knowledge-distillation"),
        ("Sparsely-Gated MoE Layers", None, "mixture-of-experts"),
        ("On FL with Non-IID Data", None, "federated-learning"),
        ("Dense Passage Retrieval", None, "information-retrieval"),
        ("Extractive Summarisation", None, "summarization"),
        (
            "A Study",
            "We use homomorphic encryption. Homomorphic encryption is slow.",
            "privacy-preserving-inference",
        ),
        ("Once-for-All: NAS for Edge Devices", None, "neural-architecture-search"),
        ("BERT: Language Model Pretraining at Scale", None, "language-model-pretraining"),
    ],
)
def test_tagger_finds_topics(title: str, abstract: str | None, present: str) -> None:
    assert present in default_tagger().tag_slugs(title, abstract)


def test_vocabulary_errors() -> None:
    from seeds.tagger import VocabularyError

    with pytest.raises(VocabularyError, match="duplicate"):
        Tagger.from_toml(
            '[[topic]]\nslug="a"\nname="A"\nterms=["x"]\n[[topic]]\nslug="a"\nname="B"\nterms=["y"]'
        )
    with pytest.raises(VocabularyError, match="bad pattern"):
        Tagger.from_toml('[[topic]]\nslug="a"\nname="A"\npatterns=["("]')
    with pytest.raises(VocabularyError, match="no terms"):
        Tagger.from_toml('[[topic]]\nslug="a"\nname="A"')


def test_records_carry_their_file_and_line() -> None:
    """What provenance locators are made of: the page file and the line."""
    text = "\n\nSomeone\n2020\nA Title\nSomeone\n|\nOther Person\n\nVenue of it\n"
    page = parse_page(text, "a.txt")
    assert (page.source, page.owner_line) == ("a.txt", 3)
    (paper,) = page.papers
    assert (paper.source, paper.line) == ("a.txt", 5)
    assert [(a.name, a.position, a.line) for a in paper.authors] == [
        ("Someone", 1, 6),
        ("Other Person", 2, 8),
    ]


def test_profile_records_carry_their_file_and_line(pages: list[ParsedPage]) -> None:
    jiao = next(p for p in pages if p.owner == "Binxing Jiao")
    assert (jiao.source, jiao.owner_line) == ("000_ca2259648ed9fa42.txt", 3)
    the_x = next(p for p in jiao.papers if p.title.startswith("THE-X"))
    assert (the_x.source, the_x.line) == ("000_ca2259648ed9fa42.txt", 63)
    assert [a.line for a in the_x.authors] == [3]
