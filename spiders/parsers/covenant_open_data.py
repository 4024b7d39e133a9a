"""Extraction for covenant_open_data: the JRC Covenant signatories file (CSV or XLSX) in, rows out.

The columns are those of the JRC release used as `df1_Signatories_2024.xlsx` (research/sites.md
§3.3): `organisation_id`, `organisation_name`, `country_code` (ISO2 in either case; "EL" for
Greece), `country_name`, `organisation_latitude`/`_longitude` (decimal comma; "null" or "-"
when missing), `population_adhesion` ("-" missing), `signatory_status` ("on_hold" ...),
`adhesion_type`, `date_of_adhesion`, `group_profile`.

Rows are read one at a time from a binary stream (csv module over a text wrapper; openpyxl in
read-only mode), so a file of any size is read in bounded memory. No network, no clock.

`FileItems` is what the spider and `glocal import covenant` both write through the crawl's store
session: the instrument with its report, the roster's report (its keys from a first pass over the
file), then every row (a second pass), so the two give identical stores. A CSV's encoding is
detected (UTF-8, else Windows-1252/Latin-1; anything else is refused): a name is never read with
replacement characters. A row that is not a plausible row (a quote left open swallows the lines
after it) is a counted problem; a field longer than MAX_FIELD refuses the file in one line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from kit.errors import ParseError
from kit.expectations import Expectations, Landmark
from kit.items import ROSTER, Instrument, Scope, Signature
from kit.routing import Route, Routes
from kit.text import clean
from spiders.parsers import covenant as com
from spiders.parsers import covenant_signatories

SOURCE = "covenant_open_data"
SCOPE = f"{com.SIGNATURE_SCOPE}:jrc-open-data"  # the dataset's roster, apart from the website's
INSTRUMENTS_SCOPE = f"instruments:{SOURCE}"
SIGNATORIES = Scope(Signature, ROSTER, SCOPE, landmark="jrc_columns")
INSTRUMENTS = Scope(Instrument, ROSTER, INSTRUMENTS_SCOPE, landmark="jrc_columns")
REQUIRED_COLUMNS = ("organisation_id", "organisation_name", "country_code", "date_of_adhesion")
OPTIONAL_COLUMNS = ("country_name", "population_adhesion", "signatory_status", "organisation_latitude",
                    "organisation_longitude", "adhesion_type", "group_profile")
SHEET = "1"  # the signatories sheet of df1_Signatories_*.xlsx
MAX_PROBLEMS = 200  # problems kept in words; the rest are only counted
MAX_FIELD = 4096  # characters: no JRC cell comes near; a longer one is a quote left open, and refused
MAX_NAME = 300  # a signatory's name longer than this, or with a line break, is not a plausible row


EXPECTATIONS = Expectations(
    landmarks=(Landmark("jrc_columns", "a header row with " + ", ".join(REQUIRED_COLUMNS)),),
    min_items={"signature": 100},  # the Covenant lists 10,000+; under 100 means the spider went blind
    required_fields={"signature": ("actor_name", "instrument_key")},
    expected_fields={"signature": ("country", "signed_on")},
)
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Dataset:
    """One file being read: its layout, and what reading it met so far."""

    name: str
    url: str
    format: str  # "csv" | "xlsx"
    columns: list[str]
    rows: int = 0
    rejected: int = 0  # rows that could not become a signature (no id or no name)
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    _records: Iterator[dict] | None = None

    def note(self, problem: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def signatures(self, *, source: str = SOURCE) -> Iterator[Signature]:
        """Every row that names an authority, as a Signature; problems are noted, rows kept."""
        seen: dict[str, str | None] = {}
        for line, record in self._records:
            self.rows += 1
            signature = self._signature(line, record, source)
            if signature is not None:
                com.separate_namesakes(signature, seen)
                yield signature

    def keys(self) -> Iterator[str]:
        """The key of every row `signatures` would yield, in order, with the same rows counted and
        rejected: the roster's first pass reads only a row's name, id and country, not its other
        cells (the importer reads a file twice; this pass was half its reading)."""
        seen: dict[str, str | None] = {}
        for line, record in self._records:
            self.rows += 1
            identity = self._identity(line, record)
            if identity is not None:
                name, org_id, code, _problem = identity
                yield com.namesake_key(com.signature_key(name, code), org_id, seen)

    def _identity(self, line: int, record: dict) -> tuple[str, str, str | None, str | None] | None:
        """(name, organisation id, country code, country problem) of a row, or None when the row
        names no authority or is not a plausible row (counted as rejected, with a problem noted)."""
        raw_name = record.get("organisation_name")
        name = "" if com.missing(raw_name) else clean(str(raw_name))
        org_id = record.get("organisation_id")
        org_id = None if com.missing(org_id) else clean(str(org_id)).removesuffix(".0")
        if not name or not org_id:
            self.rejected += 1
            self.note(f"{self.format} row {line}: no {'organisation_name' if not name else 'organisation_id'}; skipped")
            return None
        if len(name) > MAX_NAME or "\n" in str(raw_name) or len(record) > len(self.columns):
            self.rejected += 1
            self.note(f"{self.format} row {line}: not a plausible row (a name of {len(name)} characters, or more "
                      f"cells than the header: a quote left open?); skipped")
            return None
        code, country_problem = com.country_code(record.get("country_code"))
        if code is None and not com.missing(record.get("country_name")):
            code, country_problem = com.country_code(record.get("country_name"))
        return name, org_id, code, country_problem

    def _signature(self, line: int, record: dict, source: str) -> Signature | None:
        identity = self._identity(line, record)
        if identity is None:
            return None
        name, org_id, code, country_problem = identity
        population, population_problem = com.population(record.get("population_adhesion"))
        signed_on = com.adhesion_date(record.get("date_of_adhesion"))
        problems = [country_problem, population_problem]
        if signed_on is None and not com.missing(record.get("date_of_adhesion")):
            problems.append(f"date_of_adhesion {record['date_of_adhesion']!r} is not a date")
        for problem in filter(None, problems):
            self.note(f"{self.format} row {line} ({name}): {problem}; kept with the field empty")
        return Signature(
            source=source, key=com.signature_key(name, code), url=self.url, instrument_key=com.INSTRUMENT_KEY,
            actor_name=name, country=code, signed_on=signed_on, status=com.status(record.get("signatory_status")),
            population=population, source_id=org_id, scope=SCOPE,
            latitude=com.coordinate(record.get("organisation_latitude")),
            longitude=com.coordinate(record.get("organisation_longitude")),
        )


def open_dataset(stream: BinaryIO, *, name: str, url: str) -> Dataset:
    """Open a CSV or XLSX file for reading, checking its header against the JRC layout.

    Raises ParseError when an .xlsx is not a workbook, or when the header lacks a required
    column; the message names the columns expected and the ones found.
    """
    head = stream.read(4)
    stream.seek(0)
    if head == _XLSX_MAGIC:
        columns, records = _xlsx_records(stream, name)
        kind = "xlsx"
    elif name.lower().endswith((".xlsx", ".xlsm")):
        begins = stream.read(40).decode("utf-8", "replace")
        raise ParseError(f"{name} is not an XLSX workbook (it begins {clean(begins)!r})", landmarks=("jrc_columns",))
    else:
        columns, records = _csv_records(stream, name)
        kind = "csv"
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ParseError(
            f"{name} does not have the JRC signatories layout: expected the columns {', '.join(REQUIRED_COLUMNS)} "
            f"(missing {', '.join(missing)}); found {', '.join(columns) or 'no header'}",
            landmarks=("jrc_columns",))
    return Dataset(name=name, url=url, format=kind, columns=columns, _records=records)


def text_encoding(stream: BinaryIO, name: str) -> str:
    """The encoding of a CSV file, read through once in chunks (memory stays flat): "utf-8-sig"
    when every byte is UTF-8, else "cp1252" (Windows' Latin-1) when that decodes it all.
    Raises ParseError otherwise: a name is never read with replacement characters."""
    import codecs

    utf8, cp1252 = codecs.getincrementaldecoder("utf-8-sig")(), codecs.getincrementaldecoder("cp1252")()
    is_utf8 = is_cp1252 = True
    while chunk := stream.read(1 << 16):
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
        if not is_utf8:
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError:
                is_cp1252 = False
                break
    stream.seek(0)
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if is_cp1252:
        return "cp1252"
    raise ParseError(f"{name} is neither UTF-8 nor Latin-1 text: save it as UTF-8 and import it again",
                     landmarks=("jrc_columns",))


def _csv_records(stream: BinaryIO, name: str) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    encoding = text_encoding(stream, name)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    header_line = text.readline(1 << 16)
    delimiter = max(";,\t|", key=header_line.count)
    columns = [clean(c).strip('"').casefold() for c in next(csv.reader([header_line], delimiter=delimiter), [])]
    reader = csv.reader(text, delimiter=delimiter)

    def records():
        limit = csv.field_size_limit()
        csv.field_size_limit(MAX_FIELD)  # the csv module's limit is process-wide: restored below
        try:
            number = 1
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise ParseError(f"{name}, line {reader.line_num}: {error} (a field over {MAX_FIELD} characters: "
                                     "a quote left open?); the file was not imported", landmarks=()) from None
                number += 1
                if not "".join(values).strip():  # every cell blank (one C-level test, not one per cell)
                    continue
                yield number, dict(zip(columns, values)) if len(values) <= len(columns) else \
                    {**dict(zip(columns, values)), "": values[len(columns):]}
        finally:
            csv.field_size_limit(limit)

    return columns, records()


XLSX_IN_MEMORY = 64 << 20  # bytes: a workbook up to this size is read by calamine (fast, whole sheet in
# memory); a larger one streams through openpyxl's read-only mode (about 20 times slower, flat memory)


def _xlsx_records(stream: BinaryIO, name: str) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > XLSX_IN_MEMORY:
        return _openpyxl_records(stream, name)
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(stream)
        sheet = book.get_sheet_by_name(SHEET if SHEET in book.sheet_names else book.sheet_names[0])
        rows = sheet.iter_rows()
        header = next(rows, [])
    except (CalamineError, ValueError, IndexError, OSError) as error:
        raise ParseError(f"{name} is not a readable XLSX workbook ({error})", landmarks=("jrc_columns",)) from None
    columns = [clean(str(c)).casefold() if c not in (None, "") else "" for c in header]

    def records():
        for number, values in enumerate(rows, 2):
            if all(v is None or v == "" for v in values):
                continue
            yield number, dict(zip(columns, values))

    return columns, records()


def _openpyxl_records(stream: BinaryIO, name: str) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ParseError(f"{name} is not a readable XLSX workbook ({error})", landmarks=("jrc_columns",)) from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, ())
    columns = [clean(str(c)).casefold() if c is not None else "" for c in header]

    def records():
        try:
            for number, values in enumerate(rows, 2):
                if values is None or all(v is None or v == "" for v in values):
                    continue
                yield number, dict(zip(columns, values))
        finally:
            book.close()

    return columns, records()


class FileItems:
    """The items of one JRC file, as the crawl's store session takes them (spider and importer).

    `open_stream` opens the file anew (it is read twice: the roster's keys, then its rows).
    After `items()` is spent, `dataset` holds the second pass's counts and problems.
    """

    def __init__(self, open_stream, *, name: str, url: str, max_bad_share: float, source: str = SOURCE):
        self.open_stream, self.name, self.url, self.source = open_stream, name, url, source
        self.max_bad_share = max_bad_share
        self.dataset: Dataset | None = None
        self.error: str | None = None  # why the file was refused (its layout, encoding, a field too long)

    def items(self) -> Iterator:
        source, url = self.source, self.url
        try:
            with self.open_stream() as stream:
                first = open_dataset(stream, name=self.name, url=url)
                keys = list(dict.fromkeys(first.keys()))
        except ParseError as error:
            self.error = str(error)
            yield SIGNATORIES.report(source, url, complete=False, reason=str(error),
                                     landmarks_missing=list(error.landmarks), rejected=True)
            return
        instrument = covenant_signatories.instrument(url)
        instrument.source, instrument.scope = source, INSTRUMENTS_SCOPE
        yield INSTRUMENTS.report(source, url, complete=True, keys=[instrument.key])
        yield instrument
        reason = bad_rows(first, self.max_bad_share)
        yield SIGNATORIES.report(source, url, complete=reason is None, partial=reason is not None, reason=reason,
                                 keys=keys)
        with self.open_stream() as stream:
            self.dataset = open_dataset(stream, name=self.name, url=url)
            yield from self.dataset.signatures(source=source)


def bad_rows(dataset: Dataset, max_share: float) -> str | None:
    """Why a file with rows that became no signature is not the whole roster, or None: a few
    bad rows (under `max_share` of them) are counted problems, not a partial list."""
    if not dataset.rejected:
        return None
    share = dataset.rejected / max(1, dataset.rows)
    if share <= max_share:
        return None
    return (f"{dataset.rejected} of {dataset.rows} rows ({share:.1%}) without an organisation id or name were "
            f"skipped (more than the {max_share:.1%} a whole roster may have)")


def parse_file(text: str, url: str) -> Iterator:
    """A CSV file's text as items, for `glocal parse` (the spider and the importer read bytes)."""
    dataset = open_dataset(io.BytesIO(text.encode("utf-8")), name=url.rsplit("/", 1)[-1], url=url)
    signatures = list(dataset.signatures())
    yield SIGNATORIES.report(SOURCE, url, complete=not dataset.rejected, keys=[s.key for s in signatures],
                             reason=f"{dataset.rejected} rows without an organisation id or name" if dataset.rejected
                             else None)
    yield from signatures


ROUTES = Routes(Route(r"^https?://", parse_file, SIGNATORIES, format="text",
                      example="https://data.jrc.ec.europa.eu/dataset/covenant-signatories/df1_Signatories_2024.csv",
                      returns="items 100"))

