"""An exported commune imports back into an empty one with nothing lost but the masked CCCD and phone numbers."""

import shutil

from sqlalchemy import select

from khuyenhoc_desktop.cli import main
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import Household, Member, Organisation, Person

ORDER = ("households", "persons", "organisations", "clans", "members")


def _persons(db):
    with db.read() as s:
        return sorted(
            s.execute(select(Person.full_name, Person.sex, Person.birth_year, Person.birth_date,
                             Person.relation, Person.education, Person.occupation)).all()
        )


def test_export_then_import_into_an_empty_commune(demo_template, tmp_path, capsys):
    source = tmp_path / "source.sqlite"
    shutil.copy(demo_template, source)
    for kind in ORDER:
        assert main(["export", kind, "--out", str(tmp_path / f"{kind}.xlsx"), "--db", str(source)]) == 0
    target = tmp_path / "target.sqlite"
    for kind in ORDER:
        code = main(["import", kind, str(tmp_path / f"{kind}.xlsx"), "--db", str(target),
                     "--create-missing", "--duplicates", "merge"])
        assert code == 0, capsys.readouterr().out
    capsys.readouterr()
    with Database(source) as old, Database(target) as new:
        assert _persons(new) == _persons(old)
        with old.read() as s:
            old_households = sorted(s.execute(select(Household.code, Household.address, Household.poverty)).all())
            old_members = sorted(s.execute(select(Member.card_number, Member.status, Member.join_date)).all())
            old_orgs = sorted(s.scalars(select(Organisation.name)))
        with new.read() as s:
            assert sorted(s.execute(select(Household.code, Household.address, Household.poverty)).all()) == old_households
            assert sorted(s.execute(select(Member.card_number, Member.status, Member.join_date)).all()) == old_members
            assert sorted(s.scalars(select(Organisation.name))) == old_orgs
            assert s.scalar(select(Person.id).where(Person.cccd.is_not(None))) is None
            assert s.scalar(select(Person.id).where(Person.phone.is_not(None), Person.phone != "")) is None
        with old.read() as s:
            assert s.scalar(select(Person.id).where(Person.phone.is_not(None), Person.phone != "")) is not None


def test_with_full_personal_data_the_numbers_come_back_too(demo_template, tmp_path, capsys):
    source = tmp_path / "source.sqlite"
    shutil.copy(demo_template, source)
    for kind in ("households", "persons"):
        assert main(["export", kind, "--out", str(tmp_path / f"{kind}.xlsx"), "--full-personal-data",
                     "--db", str(source)]) == 0
    target = tmp_path / "target.sqlite"
    for kind in ("households", "persons"):
        assert main(["import", kind, str(tmp_path / f"{kind}.xlsx"), "--db", str(target),
                     "--create-missing", "--duplicates", "merge"]) == 0, capsys.readouterr().out

    def numbers(db):
        with db.read() as s:
            return sorted((name, cccd or "", phone or "") for name, cccd, phone in
                          s.execute(select(Person.full_name, Person.cccd, Person.phone)))

    with Database(source) as old, Database(target) as new:
        assert numbers(new) == numbers(old)
        assert any(cccd for _n, cccd, _p in numbers(old)) and any(phone for _n, _c, phone in numbers(old))
