"""A report's figures are computed once per operation: figures the caller passes in make the
same files as figures computed again, a finalised report still shows its frozen figures, and
`khuyenhoc report` computes them once for the whole run."""

import datetime as dt
import hashlib
import shutil

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.domain.dates import today
from khuyenhoc_desktop.services import report_documents, reports

LAST = today().year - 1


def _digests(files) -> tuple[str, str]:
    return hashlib.sha256(files.pdf.read_bytes()).hexdigest(), hashlib.sha256(files.xlsx.read_bytes()).hexdigest()


def _counting(monkeypatch) -> list:
    calls = []
    real = reports.figures_for

    def counted(session, kind, year):
        calls.append((kind, year))
        return real(session, kind, year)

    monkeypatch.setattr(reports, "figures_for", counted)
    return calls


def test_passed_figures_make_the_same_files_with_one_computation(demo_db, tmp_path, monkeypatch):
    (tmp_path / "again").mkdir()
    (tmp_path / "once").mkdir()
    with demo_db.read() as s:  # undone after: the second report takes the same number
        rid = reports.save_report(s, reports.ReportForm("annual", LAST, report_date=dt.date(LAST, 12, 20)))
        again = _digests(report_documents.write_report(s, rid, tmp_path / "again"))
        narrative = reports.load_report(s, rid).narrative
        s.rollback()
    calls = _counting(monkeypatch)
    with demo_db.read() as s:
        fig = reports.figures_for(s, "annual", LAST)
        rid = reports.save_report(s, reports.ReportForm("annual", LAST, report_date=dt.date(LAST, 12, 20)), fig)
        once = _digests(report_documents.write_report(s, rid, tmp_path / "once", figures=fig))
        assert reports.load_report(s, rid).narrative == narrative
        s.rollback()
    assert calls == [("annual", LAST)]
    assert once == again


def test_a_finalised_report_ignores_passed_figures(demo_db, tmp_path):
    with demo_db.write() as s:
        rid = reports.save_report(s, reports.ReportForm("annual", LAST))
        reports.finalise(s, rid)
        frozen = reports.report_figures(s, rid)[0]
        bogus = reports.Figures({name: 7 for name in reports.INDICATORS}, [], {})
        assert reports.report_figures(s, rid, bogus)[0].as_json() == frozen.as_json()
        doc = report_documents.report_doc(s, rid, bogus)
    assert doc.rows[-1].values == frozen.commune and len(doc.rows) == len(frozen.hamlets) + 1


def test_cli_computes_the_figures_once(demo_template, tmp_path, monkeypatch, capsys):
    path = tmp_path / "xa.sqlite"
    shutil.copy(demo_template, path)
    calls = _counting(monkeypatch)
    argv = ["report", "annual", "--year", str(LAST), "--db", str(path), "--out-dir", str(tmp_path), "--finalise"]
    assert cli.main(argv) == 0
    assert calls == [("annual", LAST)]
    assert "đã chốt" in capsys.readouterr().out
    calls.clear()
    assert cli.main([*argv, "--force"]) == 0  # finalised: its frozen figures, nothing computed
    assert calls == []
