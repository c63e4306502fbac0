"""Parse the seed pages (pure: text in, records out; no store, no writes).

Two page formats are recognised from their content, not their file name:

Profile page (a researcher profile as a site shows it)::

    Researcher profile                <- optional header
    Binxing Jiao                      <- the owner's name: first line
    ...
    ResearcherAffiliation not importedOpen to collaborate
                                      <- optional profile header: the role, then
                                         "Affiliation not imported" and/or "Open
                                         to collaborate" (with or without " · ")
    ...
    Trust 15 - UnverifiedVerification L1Unclaimed author
    3works
    0followers
    5topics
    4close collaborators
    ...                               <- page chrome, ignored
    Published work
    3 published item(s)               <- optional; checked against the items
    preprint2022arXiv                 <- <kind><year><venue>
    Task-Specific Expert Pruning ...  <- title
    The sparse Mixture-of-Experts ... <- abstract (optional)

Anthology page (a name, then the owner's papers grouped by year)::

    Chenhe Dong                       <- the owner's name
    2023                              <- applies to the papers below it
    Tunable Soft Prompts ...          <- title
    Chenhe Dong                       <- authors in order, one per line,
    |                                    separated by "|" lines
    Yuexiang Xie
    Findings of the ... EMNLP 2023    <- venue
    Federated learning (FL) ...       <- abstract (optional)
    Search                            <- page chrome ("Search", "Fix data")
    Fix data
    Co-authors
    - Yaliang Li 2                    <- co-author and shared-paper count
    - show all...                     <- the list is cut off here

Blank lines never matter. Errors are ``SeedParseError`` with the file name
and the 1-based line number.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

from graph_store.records import PaperKind


class SeedParseError(ValueError):
    """A page that cannot be parsed: ``<source>:<line>: <message>``."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


class PageFormat(enum.StrEnum):
    PROFILE = "profile"
    ANTHOLOGY = "anthology"


@dataclass(frozen=True, slots=True)
class ProfileFigures:
    """What a profile page prints about its owner."""

    works: int
    followers: int
    topics: int
    collaborators: int
    trust_score: int
    trust_tier: str  # upper case: "UNVERIFIED", "EMERGING", ...
    verification: str  # "L1", "L2", "L3"
    claim_label: str  # as printed, e.g. "Unclaimed author"


@dataclass(frozen=True, slots=True)
class ProfileHeader:
    """The header line a profile page prints under the name, e.g.
    "Researcher · Affiliation not imported · Open to collaborate"."""

    role: str  # as printed, e.g. "Researcher"
    affiliation_note: str | None  # "Affiliation not imported", or None when not printed
    open_to_collaborate: bool  # the page prints "Open to collaborate"


@dataclass(frozen=True, slots=True)
class ParsedAuthor:
    name: str
    position: int  # 1-based order on the paper; 0 = unknown
    line: int = 0  # the line naming them (a profile page's owner: the name line)


@dataclass(frozen=True, slots=True)
class ParsedPaper:
    title: str  # whitespace-normalised
    kind: PaperKind
    year: int | None
    venue: str | None
    abstract: str | None
    code_url: str | None
    authors: tuple[ParsedAuthor, ...]
    line: int  # line of the title
    source: str = ""  # the page's file name (with ``line``: the paper's locator)

    @property
    def title_key(self) -> str:
        return title_key(self.title)

    @property
    def author_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.authors)


@dataclass(frozen=True, slots=True)
class CoauthorCount:
    name: str
    shared_papers: int
    line: int


@dataclass(frozen=True, slots=True)
class ParsedPage:
    source: str  # file name
    format: PageFormat
    owner: str
    figures: ProfileFigures | None  # profile pages only
    papers: tuple[ParsedPaper, ...]
    coauthors: tuple[CoauthorCount, ...] = ()  # as printed (anthology pages)
    coauthors_truncated: bool = False  # the printed list ended with "show all..."
    owner_line: int = 0  # the line of the owner's name
    header: ProfileHeader | None = None  # profile pages that print one


# --- normalisation -----------------------------------------------------------


def normalize_space(text: str) -> str:
    return " ".join(text.split())


def title_key(title: str) -> str:
    """Titles are the same work when equal after whitespace normalisation and casefolding."""
    return normalize_space(title).casefold()


def name_key(name: str) -> str:
    return normalize_space(name).casefold()


# A code link: github.com/... or aka.ms/..., with or without scheme and "www.".
_CODE_URL_RE = re.compile(
    r"(?<![\w.@/-])(?:https?://)?(?:www\.)?(?P<host>github\.com|aka\.ms)/(?P<path>[^\s{}<>()\[\]\"'`,;|\\]+)",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\"*"


def extract_code_url(abstract: str | None) -> str | None:
    """The first github.com / aka.ms link in the abstract, as ``https://host/path``.

    Trailing punctuation (a sentence's full stop, a LaTeX ``}``) is not part of it.
    """
    if not abstract:
        return None
    for match in _CODE_URL_RE.finditer(abstract):
        path = match.group("path").rstrip(_TRAILING_PUNCTUATION).rstrip("/")
        if path:
            return f"https://{match.group('host').lower()}/{path}"
    return None


# Venues that name a conference ("Proceedings of ...", "Findings of ...") or a
# journal. A journal is recognised by the profile kind token (`journal`,
# `article`) or by a venue that names one: it contains "Journal",
# "Transactions" or "Letters" (e.g. "Journal of Machine Learning Research",
# "IEEE Transactions on ...", "Transactions of the ACL").
_CONFERENCE_VENUE_RE = re.compile(r"^(?:proceedings|findings)\s+of\b", re.IGNORECASE)
_JOURNAL_VENUE_RE = re.compile(r"\b(?:journal|transactions|letters)\b", re.IGNORECASE)
_PREPRINT_VENUE_RE = re.compile(r"^(?:arxiv|biorxiv|medrxiv|ssrn|preprint)\b", re.IGNORECASE)

_KIND_TOKENS: dict[str, PaperKind | None] = {
    "preprint": PaperKind.PREPRINT,
    "journal": PaperKind.JOURNAL,
    "article": PaperKind.JOURNAL,
    "conference": PaperKind.CONFERENCE,
    "proceedings": PaperKind.CONFERENCE,
    "inproceedings": PaperKind.CONFERENCE,
    # The token says nothing beyond "published"; the venue decides.
    "paper": None,
}


def classify_kind(venue: str | None, token: str | None = None) -> PaperKind:
    """PaperKind from a profile kind token and/or a venue string.

    ``preprint`` → PREPRINT whatever the venue; otherwise a venue starting
    "Proceedings of"/"Findings of" → CONFERENCE, a venue naming a journal →
    JOURNAL, an arXiv-like venue → PREPRINT; failing all that, the token's
    kind, else CONFERENCE (an anthology lists published papers, and most
    anthology venues are conferences and workshops).
    """
    token_kind = _KIND_TOKENS.get(token.lower()) if token else None
    if token_kind is PaperKind.PREPRINT:
        return PaperKind.PREPRINT
    if venue:
        if _CONFERENCE_VENUE_RE.match(venue):
            return PaperKind.CONFERENCE
        if _JOURNAL_VENUE_RE.search(venue):
            return PaperKind.JOURNAL
        if _PREPRINT_VENUE_RE.match(venue):
            return PaperKind.PREPRINT
    return token_kind or PaperKind.CONFERENCE


# --- lines -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 1-based
    text: str  # stripped, non-empty


def _content_lines(text: str) -> list[_Line]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[_Line] = []
    for i, raw in enumerate(lines, start=1):
        stripped = normalize_space(raw.replace("\ufeff", ""))
        if stripped:
            out.append(_Line(i, stripped))
    return out


def _last_line_number(text: str) -> int:
    return max(1, len(text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")))


def _quote(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return f'"{shown}"'


_YEAR_RE = re.compile(r"^(1[89]\d\d|20\d\d|2100)$")
_PROFILE_HEADER = "researcher profile"
_TRUST_RE = re.compile(
    r"^Trust\s+(?P<score>\d{1,3})\s*[-\u2013\u2014]\s*(?P<tier>[A-Za-z]+?)\s*"
    r"Verification\s*(?P<verification>L\d)\s*(?P<claim>.*)$",
    re.IGNORECASE,
)
_COUNT_RES: dict[str, re.Pattern[str]] = {
    "works": re.compile(r"^(\d+)\s*works?$", re.IGNORECASE),
    "followers": re.compile(r"^(\d+)\s*followers?$", re.IGNORECASE),
    "topics": re.compile(r"^(\d+)\s*topics?$", re.IGNORECASE),
    "collaborators": re.compile(r"^(\d+)\s*close\s+collaborators?$", re.IGNORECASE),
}
_COUNT_LABELS = {
    "works": "works",
    "followers": "followers",
    "topics": "topics",
    "collaborators": "close collaborators",
}
# The role comes first; the line is recognised by the two phrases after it
# (one at least), so a description line is never taken for a header.
_HEADER_RE = re.compile(
    r"^(?P<role>[^·]*?[^\s·])\s*·?\s*(?P<affiliation>Affiliation not imported)?"
    r"\s*·?\s*(?P<open>Open to collaborate)?$",
    re.IGNORECASE,
)
_PUBLISHED_WORK = "published work"
_ITEM_COUNT_RE = re.compile(r"^(\d+)\s+published\s+items?(?:\(s\))?$", re.IGNORECASE)
_KIND_LINE_RE = re.compile(
    r"^(?P<kind>" + "|".join(sorted(_KIND_TOKENS, key=len, reverse=True)) + r")"
    r"(?P<year>\d{4})(?P<venue>.*)$",
    re.IGNORECASE,
)
_ANTHOLOGY_CHROME = frozenset({"search", "fix data"})
_COAUTHORS_HEADER = "co-authors"
_COAUTHOR_RE = re.compile(r"^-\s*(?P<name>.*?\S)\s+(?P<count>\d+)$")
_SHOW_ALL_RE = re.compile(r"^-\s*show all\b", re.IGNORECASE)


def _check_name(source: str, line: _Line, what: str) -> str:
    name = line.text
    if name == "|" or _YEAR_RE.match(name) or not any(c.isalpha() for c in name) or len(name) > 120:
        raise SeedParseError(source, line.number, f"expected {what}, found {_quote(name)}")
    return name


# --- format detection --------------------------------------------------------


def detect_format(text: str, source: str = "<page>") -> PageFormat:
    """Which format the page is in, decided from its content."""
    lines = _content_lines(text)
    if not lines:
        raise SeedParseError(source, 1, "the page is empty")
    lowered = [ln.text.lower() for ln in lines]
    if (
        lowered[0] == _PROFILE_HEADER
        or _PUBLISHED_WORK in lowered
        or any(_TRUST_RE.match(ln.text) for ln in lines)
    ):
        return PageFormat.PROFILE
    if len(lines) >= 2 and _YEAR_RE.match(lines[1].text):
        return PageFormat.ANTHOLOGY
    raise SeedParseError(
        source,
        lines[0].number,
        "unrecognised page: expected a researcher profile (trust snapshot and "
        '"Published work") or an anthology page (a name, then a year line)',
    )


def parse_page(text: str, source: str) -> ParsedPage:
    """Parse one page; ``source`` (the file name) is used in errors and kept."""
    fmt = detect_format(text, source)
    if fmt is PageFormat.PROFILE:
        return _parse_profile(text, source)
    return _parse_anthology(text, source)


def parse_file(path: Path) -> ParsedPage:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise SeedParseError(path.name, 1, f"not UTF-8 text ({e.reason})") from e
    return parse_page(text, path.name)


# --- profile pages -------------------------------------------------------------


def _parse_profile(text: str, source: str) -> ParsedPage:
    lines = _content_lines(text)
    end_line = _last_line_number(text)
    i = 0
    if lines[0].text.lower() == _PROFILE_HEADER:
        i = 1
    if i >= len(lines):
        raise SeedParseError(source, end_line, "expected the researcher's name")
    owner = _check_name(source, lines[i], "the researcher's name")

    # Trust snapshot and the four counts right after it.
    trust_index = next(
        (j for j in range(i + 1, len(lines)) if _TRUST_RE.match(lines[j].text)), None
    )
    if trust_index is None:
        raise SeedParseError(
            source,
            lines[i].number,
            'expected a trust snapshot line ("Trust <score> - <tier>Verification L<n>...") '
            f"after the name {_quote(owner)}",
        )
    header = _header(lines[i + 1 : trust_index])
    trust = _TRUST_RE.match(lines[trust_index].text)
    assert trust is not None
    score = int(trust.group("score"))
    if score > 100:
        raise SeedParseError(
            source, lines[trust_index].number, f"trust score {score} is outside 0-100"
        )
    counts: dict[str, int] = {}
    j = trust_index + 1
    while j < len(lines) and len(counts) < len(_COUNT_RES):
        matched = False
        for key, regex in _COUNT_RES.items():
            m = regex.match(lines[j].text)
            if m and key not in counts:
                counts[key] = int(m.group(1))
                matched = True
                break
        if not matched:
            break
        j += 1
    missing = [k for k in _COUNT_RES if k not in counts]
    if missing:
        where = lines[j].number if j < len(lines) else end_line
        expected = ", ".join(f'"<n>{_COUNT_LABELS[k]}"' for k in missing)
        raise SeedParseError(source, where, f"expected {expected} after the trust snapshot")
    figures = ProfileFigures(
        works=counts["works"],
        followers=counts["followers"],
        topics=counts["topics"],
        collaborators=counts["collaborators"],
        trust_score=score,
        trust_tier=trust.group("tier").upper(),
        verification=trust.group("verification").upper(),
        claim_label=trust.group("claim").strip(),
    )

    # Published work.
    k = next((n for n in range(j, len(lines)) if lines[n].text.lower() == _PUBLISHED_WORK), None)
    if k is None:
        raise SeedParseError(source, end_line, 'expected a "Published work" section')
    k += 1
    announced: tuple[int, _Line] | None = None
    if k < len(lines):
        m = _ITEM_COUNT_RE.match(lines[k].text)
        if m:
            announced = (int(m.group(1)), lines[k])
            k += 1

    papers: list[ParsedPaper] = []
    while k < len(lines):
        kind_line = lines[k]
        km = _KIND_LINE_RE.match(kind_line.text)
        if not km:
            raise SeedParseError(
                source,
                kind_line.number,
                f"expected a published item (<kind><year><venue>, e.g. "
                f'"preprint2022arXiv"), found {_quote(kind_line.text)}',
            )
        if k + 1 >= len(lines) or _KIND_LINE_RE.match(lines[k + 1].text):
            where = lines[k + 1].number if k + 1 < len(lines) else end_line
            raise SeedParseError(source, where, f"expected a title after {_quote(kind_line.text)}")
        title_line = lines[k + 1]
        abstract: str | None = None
        k += 2
        if k < len(lines) and not _KIND_LINE_RE.match(lines[k].text):
            abstract = lines[k].text
            k += 1
        venue = km.group("venue").strip() or None
        papers.append(
            ParsedPaper(
                title=title_line.text,
                kind=classify_kind(venue, km.group("kind")),
                year=int(km.group("year")),
                venue=venue,
                abstract=abstract,
                code_url=extract_code_url(abstract),
                authors=(ParsedAuthor(owner, 0, lines[i].number),),
                line=title_line.number,
                source=source,
            )
        )
    if announced is not None and announced[0] != len(papers):
        raise SeedParseError(
            source,
            announced[1].number,
            f"the page announces {announced[0]} published item(s) but lists {len(papers)}",
        )
    return ParsedPage(
        source=source,
        format=PageFormat.PROFILE,
        owner=owner,
        figures=figures,
        papers=tuple(papers),
        owner_line=lines[i].number,
        header=header,
    )


def _header(lines: list[_Line]) -> ProfileHeader | None:
    """The profile header among the lines between the name and the trust
    snapshot: the first that names a role followed by "Affiliation not
    imported" and/or "Open to collaborate"."""
    for line in lines:
        m = _HEADER_RE.match(line.text)
        if m and (m.group("affiliation") or m.group("open")):
            return ProfileHeader(
                role=m.group("role").strip(),
                affiliation_note=m.group("affiliation"),
                open_to_collaborate=m.group("open") is not None,
            )
    return None


# --- anthology pages -------------------------------------------------------------


def _is_anthology_structure(text: str) -> bool:
    """Lines that end an abstract-less paper: a year, chrome, the co-author list."""
    lowered = text.lower()
    return bool(
        _YEAR_RE.match(text) or lowered in _ANTHOLOGY_CHROME or lowered == _COAUTHORS_HEADER
    )


def _parse_anthology(text: str, source: str) -> ParsedPage:
    lines = _content_lines(text)
    end_line = _last_line_number(text)
    owner = _check_name(source, lines[0], "the researcher's name")
    year: int | None = None
    papers: list[ParsedPaper] = []
    coauthors: list[CoauthorCount] = []
    truncated = False
    i = 1
    n = len(lines)

    def at(index: int) -> int:
        return lines[index].number if index < n else end_line

    while i < n:
        line = lines[i]
        lowered = line.text.lower()
        if _YEAR_RE.match(line.text):
            year = int(line.text)
            i += 1
            continue
        if lowered in _ANTHOLOGY_CHROME:
            i += 1
            continue
        if lowered == _COAUTHORS_HEADER:
            i += 1
            while i < n:
                entry = lines[i]
                if _SHOW_ALL_RE.match(entry.text):
                    truncated = True
                    i += 1
                    break
                cm = _COAUTHOR_RE.match(entry.text)
                if not cm:
                    break
                coauthors.append(
                    CoauthorCount(cm.group("name"), int(cm.group("count")), entry.number)
                )
                i += 1
            if not coauthors and not truncated:
                raise SeedParseError(
                    source, at(i), 'expected co-authors ("- <name> <shared papers>")'
                )
            # Only chrome may follow the co-author list.
            while i < n and lines[i].text.lower() in _ANTHOLOGY_CHROME:
                i += 1
            if i < n:
                raise SeedParseError(
                    source,
                    lines[i].number,
                    f"unexpected {_quote(lines[i].text)} after the co-author list",
                )
            break

        # A paper: title, authors separated by "|", venue, abstract.
        if line.text == "|":
            raise SeedParseError(source, line.number, 'expected a paper title, found "|"')
        if year is None:
            raise SeedParseError(
                source, line.number, f"expected a year line before the paper {_quote(line.text)}"
            )
        title = line.text
        i += 1
        if i >= n or _is_anthology_structure(lines[i].text):
            raise SeedParseError(source, at(i), f"expected the authors of {_quote(title)}")
        names = [_check_name(source, lines[i], f"an author of {_quote(title)}")]
        name_lines = [lines[i].number]
        i += 1
        while i < n and lines[i].text == "|":
            i += 1
            if i >= n or _is_anthology_structure(lines[i].text):
                raise SeedParseError(
                    source, at(i), f'expected an author name after "|" in {_quote(title)}'
                )
            names.append(_check_name(source, lines[i], 'an author name after "|"'))
            name_lines.append(lines[i].number)
            i += 1
        if i >= n or _is_anthology_structure(lines[i].text):
            raise SeedParseError(
                source, at(i), f"expected the venue of {_quote(title)} after its authors"
            )
        venue = lines[i].text
        i += 1
        abstract: str | None = None
        if i < n and not _is_anthology_structure(lines[i].text):
            abstract = lines[i].text
            i += 1
        seen: set[str] = set()
        for name in names:
            if name_key(name) in seen:
                raise SeedParseError(
                    source,
                    line.number,
                    f"{_quote(name)} is listed twice as an author of {_quote(title)}",
                )
            seen.add(name_key(name))
        papers.append(
            ParsedPaper(
                title=title,
                kind=classify_kind(venue),
                year=year,
                venue=venue,
                abstract=abstract,
                code_url=extract_code_url(abstract),
                authors=tuple(
                    ParsedAuthor(name, pos, at_line)
                    for pos, (name, at_line) in enumerate(zip(names, name_lines, strict=True), 1)
                ),
                line=line.number,
                source=source,
            )
        )
    if not papers:
        raise SeedParseError(source, end_line, f"no papers found for {_quote(owner)}")
    return ParsedPage(
        source=source,
        format=PageFormat.ANTHOLOGY,
        owner=owner,
        figures=None,
        papers=tuple(papers),
        coauthors=tuple(coauthors),
        coauthors_truncated=truncated,
        owner_line=lines[0].number,
    )


def shared_paper_counts(page: ParsedPage) -> dict[str, int]:
    """For each co-author of the page's owner (by ``name_key``): how many of the
    page's papers they share with the owner. What the co-author list should print."""
    owner = name_key(page.owner)
    counts: dict[str, int] = {}
    for paper in page.papers:
        keys = {name_key(a.name) for a in paper.authors}
        if owner not in keys:
            continue
        for key in keys - {owner}:
            counts[key] = counts.get(key, 0) + 1
    return counts
