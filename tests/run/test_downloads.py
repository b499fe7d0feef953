"""Downloads: the processed tables as CSV and one Excel workbook (lib.run.downloads).

Expected rows come from the processed CSV files read with the csv module, not
from the workbook builder's own reading of them.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
import zipfile
from pathlib import Path

import pytest

openpyxl = pytest.importorskip("openpyxl")

from lib.run import downloads, index, planning  # noqa: E402


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _same_value(sheet_value, text: str) -> bool:
    """A workbook cell against the CSV field it came from."""
    if sheet_value is None:
        return text == ""
    if isinstance(sheet_value, bool):
        return text.lower() == str(sheet_value).lower()
    if isinstance(sheet_value, (int, float)):
        return text != "" and float(text) == float(sheet_value)
    return sheet_value == text


@pytest.fixture(scope="module")
def built(evaluation_build, tmp_path_factory):
    html = tmp_path_factory.mktemp("downloads") / "html"
    _, version = planning.hash_data_dir(evaluation_build.processed)
    links = downloads.write_downloads(evaluation_build.processed, html, data_version=version)
    book = openpyxl.load_workbook(html / "downloads" / "programme.xlsx")
    return {
        "html": html,
        "links": links,
        "book": book,
        "version": version,
        "processed": evaluation_build.processed,
    }


def test_one_sheet_per_processed_table_with_the_csv_rows(built):
    book = built["book"]
    names = [n.removesuffix(".csv") for n in downloads.download_schemas()]
    assert book.sheetnames == ["About", *[downloads.table_title(n) for n in names], "Columns"]
    for name in names:
        header, rows = _csv_rows(built["processed"] / f"{name}.csv")
        values = list(book[downloads.table_title(name)].iter_rows(values_only=True))
        assert list(values[0]) == header, name
        assert len(values) - 1 == len(rows) > 0, name
        for i, (cells, fields) in enumerate(zip(values[1:], rows, strict=False), start=2):
            bad = [(h, c, f) for h, c, f in zip(header, cells, fields, strict=False) if not _same_value(c, f)]
            assert not bad, f"{name} row {i}: {bad[:3]}"


def test_numbers_are_numbers_and_text_stays_text(built):
    survey = built["book"][downloads.table_title("survey")]
    header = [c.value for c in survey[1]]
    value_col = header.index("value") + 1
    assert all(
        isinstance(survey.cell(row=r, column=value_col).value, (int, float, type(None)))
        for r in range(2, survey.max_row + 1)
    )
    assert any(
        isinstance(survey.cell(row=r, column=value_col).value, float) for r in range(2, survey.max_row + 1)
    )


def test_columns_sheet_describes_every_column(built):
    rows = list(built["book"]["Columns"].iter_rows(values_only=True))
    assert rows[0] == ("Sheet", "File", "Column", "Type", "Meaning")
    listed = {(r[1], r[2]): r for r in rows[1:]}
    expected = set()
    for file_name in downloads.download_schemas():
        header, _ = _csv_rows(built["processed"] / file_name)
        expected |= {(file_name, column) for column in header}
    assert set(listed) == expected
    assert len(rows) - 1 == len(expected), "a column is listed twice"
    for (file_name, column), row in listed.items():
        spec = downloads.download_schemas()[file_name].columns[column]
        assert row[0] == downloads.table_title(file_name.removesuffix(".csv"))
        assert row[4] == (spec.description or None), (file_name, column)


def test_about_sheet_names_the_data_version_and_counts(built):
    rows = list(built["book"]["About"].iter_rows(values_only=True))
    assert ("Data version", built["version"]) == rows[2][:2]
    counts = {r[1]: r[2] for r in rows[5:]}
    for file_name in downloads.download_schemas():
        _, data = _csv_rows(built["processed"] / file_name)
        assert counts[file_name] == len(data), file_name


def test_csv_downloads_are_the_processed_files_and_links_list_them(built):
    hrefs = [d.href for d in built["links"]]
    assert hrefs[0] == "downloads/programme.xlsx"
    names = [n.removesuffix(".csv") for n in downloads.download_schemas()]
    assert hrefs[1:] == [f"downloads/{n}.csv" for n in names]
    for name, link in zip(names, built["links"][1:], strict=False):
        copy = built["html"] / link.href
        assert copy.read_bytes() == (built["processed"] / f"{name}.csv").read_bytes()
        assert link.rows == len(_csv_rows(copy)[1])
        assert "_" not in link.label, link.label  # reader-facing: no internal names
        assert not link.label.startswith("Results "), link.label  # the step that wrote it is not its name
    labels = {
        link.href.removeprefix("downloads/").removesuffix(".csv"): link.label for link in built["links"]
    }
    assert labels["results_design"] == "Design rating (CSV)"
    assert labels["results_comparisons"] == "Before and after comparisons (CSV)"
    assert sorted(p.name for p in (built["html"] / "downloads").iterdir()) == sorted(
        Path(h).name for h in hrefs
    ), "stray or temporary files in downloads/"


@pytest.mark.slow
def test_two_builds_give_identical_bytes(evaluation_build):
    first = downloads.build_workbook(evaluation_build.processed, data_version="v1")
    time.sleep(2.1)  # past a zip timestamp's 2-second resolution
    second = downloads.build_workbook(evaluation_build.processed, data_version="v1")
    assert first == second
    assert downloads.build_workbook(evaluation_build.processed, data_version="v2") != first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "1980-01-01T00:00:00Z" in core and "data version v1" in core


def test_text_that_looks_like_a_formula_stays_text(evaluation_build, tmp_path):
    processed = tmp_path / "processed"
    shutil.copytree(evaluation_build.processed, processed)
    path = processed / "authorities.csv"
    header, rows = _csv_rows(path)
    rows[0][header.index("years_basis")] = '=HYPERLINK("http://example.invalid","x")'
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])
    book = openpyxl.load_workbook(io.BytesIO(downloads.build_workbook(processed, data_version="x")))
    cell = book["Authorities"].cell(row=2, column=header.index("years_basis") + 1)
    assert cell.data_type == "s" and cell.value == rows[0][header.index("years_basis")]


def test_index_links_the_downloads_escaped():
    links = [
        downloads.Download("downloads/programme.xlsx", "All processed tables (Excel workbook)", "workbook"),
        downloads.Download("downloads/a.csv", "<b>A</b> (CSV)", "csv", 3),
    ]
    page = index.render_index([], prefix="html/", downloads=links)
    assert (
        '<a href="html/downloads/programme.xlsx" download>All processed tables (Excel workbook)</a>' in page
    )
    assert '<a href="html/downloads/a.csv" download>&lt;b&gt;A&lt;/b&gt; (CSV)</a>, 3 rows' in page
    assert "Download the data" not in index.render_index([], prefix="")


def test_partial_processed_folder_gets_no_downloads_and_stale_files_go(evaluation_build, tmp_path, capsys):
    html = tmp_path / "html"
    links = downloads.write_downloads(evaluation_build.processed, html, data_version="v")
    assert len(links) == 1 + len(downloads.download_schemas())
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(evaluation_build.processed / "authorities.csv", partial / "authorities.csv")
    assert downloads.write_downloads(partial, html, data_version="v") == []
    assert list((html / "downloads").iterdir()) == []
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"downloads: not built: {partial} lacks membership.csv, "), err


def test_a_table_with_no_rows_is_not_offered_as_a_csv(evaluation_build, tmp_path):
    """A programme without a survey has an empty survey table: the index offered "Survey (CSV), 0 rows".
    Now such a table is left out of the CSV links (and of the folder); the workbook still lists it."""
    processed = tmp_path / "processed"
    shutil.copytree(evaluation_build.processed, processed)
    header = (processed / "survey.csv").read_text(encoding="utf-8").splitlines()[0]
    (processed / "survey.csv").write_text(header + "\n", encoding="utf-8")
    html = tmp_path / "html"
    links = downloads.write_downloads(processed, html, data_version="v")
    hrefs = {d.href for d in links}
    assert "downloads/survey.csv" not in hrefs and not (html / "downloads" / "survey.csv").exists()
    assert len(links) == len(downloads.download_schemas())  # the workbook, and every other table's CSV
    book = openpyxl.load_workbook(html / "downloads" / "programme.xlsx")
    about = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert any(row[1] == "survey.csv" and row[2] == 0 for row in about)
