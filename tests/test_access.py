"""Password protection: scrypt hashes, lockout, roles enforced by the data file itself (every
write, whatever the path), the recovery key, the `users` command and the sign-in dialog."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import unicodedata

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy import exc as sa_exc

from khuyenhoc_desktop import cli
from khuyenhoc_desktop.domain import roles
from khuyenhoc_desktop.domain.dates import utcnow
from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import app_settings, fund, registry, reports, users
from khuyenhoc_desktop.storage.database import Database
from khuyenhoc_desktop.storage.models import AppRecovery, AppUser, Hamlet, Person, Voucher

PASSWORDS = {"chutich": "chu-tich-123", "ketoan": "ke-toan-123", "thuquy": "thu-quy-123",
             "thuky": "thu-ky-1234", "xem": "chi-xem-123"}
ROLE_OF = {"chutich": "chairman", "ketoan": "accountant", "thuquy": "treasurer", "thuky": "secretary",
           "xem": "viewer"}


@pytest.fixture
def fast_kdf(monkeypatch):
    """Cheap scrypt for tests that sign in many times; `test_kdf_parameters` checks the real ones."""
    monkeypatch.setattr(users, "SCRYPT_N", 2**10)


@pytest.fixture
def sheets(tmp_path):
    return tmp_path / "sao-luu"


@pytest.fixture
def protected(db, fast_kdf, sheets):
    """A file with one user of each role; the chairman is signed in."""
    with db.write() as s:
        hamlet = registry.save_hamlet(s, registry.HamletForm(name="Thôn Đông"))
    key, sheet = users.turn_on(db, "chutich", "Trần Văn Bảo", PASSWORDS["chutich"], sheets)
    with db.write() as s:
        for name, role in ROLE_OF.items():
            if name != "chutich":
                users.add_user(s, name, name.title(), role, PASSWORDS[name])
    db.recovery = (key, sheet)
    db.hamlet = hamlet
    return db


def receipt(day="02/01/2026", amount=100_000) -> fund.VoucherForm:
    return fund.VoucherForm(kind="receipt", voucher_date=day, amount=amount, party_kind="free",
                            party_name="Bà Lê Thị Hoa", party_address="Thôn Đông")


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(model.id)))


# ---------------------------------------------------------------- the hash
def test_kdf_parameters_and_format():
    stored = users.hash_secret("mật khẩu")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", 2**15, 8, 1)
    assert 128 * int(r) * int(n) == 32 * 2**20  # memory-hard: 32 MiB per check
    salt, digest = base64.b64decode(salt), base64.b64decode(digest)
    assert len(salt) == 16 and len(digest) == 32
    nfc = unicodedata.normalize("NFC", "mật khẩu").encode()
    assert digest == hashlib.scrypt(nfc, salt=salt, n=2**15, r=8, p=1, maxmem=2**26, dklen=32)
    assert users.hash_secret("mật khẩu") != stored  # a new salt each time
    assert users.verify_secret("mật khẩu", stored)
    assert users.verify_secret(unicodedata.normalize("NFD", "mật khẩu"), stored)  # another keyboard program
    assert not users.verify_secret("mat khau", stored)
    assert not users.verify_secret("mật khẩu", "plain$text") and not users.verify_secret("x", "")
    assert not users.needs_rehash(stored)


def test_weaker_old_hash_is_upgraded_at_sign_in(protected):
    with protected.unrestricted(), protected.write() as s:
        user = s.scalar(select(AppUser).where(AppUser.username == "thuky"))
        salt = b"0123456789abcdef"
        old = hashlib.scrypt(PASSWORDS["thuky"].encode(), salt=salt, n=2**4, r=8, p=1, dklen=32)
        user.password_hash = f"scrypt$16$8$1${base64.b64encode(salt).decode()}${base64.b64encode(old).decode()}"
    users.sign_in(protected, "thuky", PASSWORDS["thuky"])
    with protected.read() as s:
        stored = s.scalar(select(AppUser.password_hash).where(AppUser.username == "thuky"))
    assert stored.split("$")[1] == str(2**10) and users.verify_secret(PASSWORDS["thuky"], stored)


def test_passwords_are_not_stored(protected):
    raw = protected.path.read_bytes() + protected.path.with_name(protected.path.name + "-wal").read_bytes()
    for password in PASSWORDS.values():
        assert password.encode() not in raw
    assert protected.recovery[0].encode() not in raw


def test_audit_trail_keeps_no_hashes(protected):
    from khuyenhoc_desktop.storage.models import AuditLog

    users.sign_in(protected, "thuky", PASSWORDS["thuky"])
    with protected.read() as s:
        logged = s.execute(select(AuditLog.table_name, AuditLog.actor, AuditLog.old_values, AuditLog.new_values)
                           .where(AuditLog.table_name.in_(("app_user", "app_recovery")))).all()
    assert {t for t, *_ in logged} == {"app_user", "app_recovery"}
    assert all("scrypt$" not in f"{old} {new}" for _t, _a, old, new in logged)
    # Signing in is logged under the account signing in, not whoever was signed in before.
    assert ("app_user", "thuky") in {(t, a) for t, a, *_ in logged}


# ---------------------------------------------------------------- signing in, lockout
def test_wrong_password_then_lockout_with_unlock_time(protected):
    now = dt.datetime(2026, 12, 3, 7, 0)
    with pytest.raises(UserError, match="Không có người dùng 'ai'"):
        users.sign_in(protected, "ai", "x", now=now)
    for left in (4, 3, 2, 1):
        with pytest.raises(UserError, match=f"Mật khẩu không đúng. Còn {left} lần thử"):
            users.sign_in(protected, "thuquy", "sai", now=now)
    with pytest.raises(UserError) as info:
        users.sign_in(protected, "thuquy", "sai", now=now)
    unlock = users.local_time(now + dt.timedelta(minutes=15))
    assert str(info.value).startswith("Tài khoản thuquy đang bị khóa vì nhập sai mật khẩu 5 lần liên tiếp; "
                                      f"hãy thử lại sau {unlock}")
    assert len(unlock) == 16 and unlock[2] == unlock[5] == "/" and unlock[13] == ":"  # dd/mm/yyyy HH:MM
    with protected.read() as s:
        user = s.scalar(select(AppUser).where(AppUser.username == "thuquy"))
    assert user.locked_until == now + dt.timedelta(minutes=15)
    # Locked: even the right password is refused until the time is up.
    with pytest.raises(UserError, match="đang bị khóa"):
        users.sign_in(protected, "thuquy", PASSWORDS["thuquy"], now=now + dt.timedelta(minutes=14))
    assert protected.user == "chutich"
    info = users.sign_in(protected, "thuquy", PASSWORDS["thuquy"], now=now + dt.timedelta(minutes=16))
    assert (info.role, protected.user, protected.role, protected.actor) == ("treasurer", "thuquy", "treasurer", "thuquy")
    with protected.read() as s:
        user = s.scalar(select(AppUser).where(AppUser.username == "thuquy"))
    assert (user.failed_count, user.locked_until) == (0, None)


def test_chairman_reset_unlocks(protected):
    now = utcnow()
    for _ in range(5):
        with pytest.raises(UserError):
            users.sign_in(protected, "thuky", "sai", now=now)
    users.sign_in(protected, "chutich", PASSWORDS["chutich"])
    with protected.write() as s:
        users.set_password(s, "thuky", "mat-khau-moi")
    assert users.sign_in(protected, "thuky", "mat-khau-moi").role == "secretary"


def test_password_rules(protected):
    with pytest.raises(UserError, match="ít nhất 8 ký tự"), protected.write() as s:
        users.add_user(s, "moi", "", "viewer", "ngan")
    with pytest.raises(UserError, match="Tên đăng nhập gồm"), protected.write() as s:
        users.add_user(s, "Người mới", "", "viewer", "du-dai-roi")
    with pytest.raises(UserError, match="Vai trò 'boss' không có"), protected.write() as s:
        users.add_user(s, "moi", "", "boss", "du-dai-roi")
    with pytest.raises(UserError, match="Đã có người dùng 'thuky'"), protected.write() as s:
        users.add_user(s, "ThuKy", "", "viewer", "du-dai-roi")


# ---------------------------------------------------------------- roles, enforced by the file
def test_treasurer_records_a_receipt_secretary_cannot(protected):
    users.sign_in(protected, "thuquy", PASSWORDS["thuquy"])
    with protected.write() as s:
        fund.record_voucher(s, receipt())
    assert count(protected, Voucher) == 1
    users.sign_in(protected, "thuky", PASSWORDS["thuky"])
    with pytest.raises(UserError) as info:
        with protected.write() as s:
            fund.record_voucher(s, receipt())
    assert str(info.value) == ("Tài khoản thuky (vai trò Thư ký / cán bộ) không được sửa quỹ khuyến học; "
                               "chưa có gì bị thay đổi.")
    assert count(protected, Voucher) == 1
    # …but keeps the registry.
    with protected.write() as s:
        registry.save_person(s, registry.PersonForm(family_name="Lê", given_name="Na", sex="F", birth_year="1990"))
    assert count(protected, Person) == 1


def test_viewer_writes_nothing(protected):
    users.sign_in(protected, "xem", PASSWORDS["xem"])
    with pytest.raises(UserError, match=r"Tài khoản xem \(vai trò Chỉ xem\) không được sửa danh sách"):
        with protected.write() as s:
            registry.save_person(s, registry.PersonForm(family_name="Lê", given_name="Na", sex="F", birth_year="1990"))
    with pytest.raises(UserError, match="không được sửa quỹ khuyến học"), protected.write() as s:
        fund.record_voucher(s, receipt())
    assert count(protected, Person) == count(protected, Voucher) == 0
    with protected.read() as s:  # reading is fine
        assert s.scalar(select(Hamlet.name)) == "Thôn Đông"


@pytest.mark.parametrize("name", list(ROLE_OF))
def test_every_role_against_every_area(protected, name):
    """The table of `domain.roles`, through real writes to one table of each area."""
    users.sign_in(protected, name, PASSWORDS[name])
    attempts = {
        roles.REGISTRY: lambda s: registry.save_hamlet(s, registry.HamletForm(name=f"Thôn {name}")),
        roles.FUND: lambda s: fund.record_voucher(s, receipt()),
        roles.TITLES: lambda s: app_settings.put(s, "thu", {"a": 1}),
        roles.REPORTS: lambda s: reports.save_report(s, reports.ReportForm("annual", 2025)),
        roles.USERS: lambda s: users.add_user(s, f"moi{name}", "", "viewer", "du-dai-roi"),
    }
    allowed = {
        "chutich": {roles.REGISTRY, roles.TITLES, roles.REPORTS, roles.FUND, roles.USERS},
        "ketoan": {roles.FUND, roles.REPORTS},
        "thuquy": {roles.FUND},
        "thuky": {roles.REGISTRY, roles.TITLES, roles.REPORTS},
        "xem": set(),
    }[name]
    assert roles.ROLES[ROLE_OF[name]].writes == allowed
    for area, attempt in attempts.items():
        if area in allowed:
            with protected.write() as s:
                attempt(s)
        else:
            with pytest.raises(UserError, match="không được sửa"), protected.write() as s:
                attempt(s)


def test_switching_user_takes_effect_despite_cached_statements(protected):
    """The same INSERT, compiled and cached for one role, is refused after switching."""
    for who, ok in (("thuquy", True), ("thuky", False), ("ketoan", True), ("xem", False), ("chutich", True)):
        users.sign_in(protected, who, PASSWORDS[who])
        before = count(protected, Voucher)
        if ok:
            with protected.write() as s:
                fund.record_voucher(s, receipt())
        else:
            with pytest.raises(UserError), protected.write() as s:
                fund.record_voucher(s, receipt())
        assert count(protected, Voucher) == before + ok, who


def test_bulk_core_and_raw_writes_are_refused(protected):
    users.sign_in(protected, "thuquy", PASSWORDS["thuquy"])
    with protected.write() as s:
        fund.record_voucher(s, receipt())
    users.sign_in(protected, "thuky", PASSWORDS["thuky"])
    row = {"uid": "u-1", "created_at": utcnow(), "updated_at": utcnow(), "kind": "receipt", "fiscal_year": 2026,
           "seq": 9, "number": "PT-9", "voucher_date": dt.date(2026, 1, 3), "amount": 5}
    with pytest.raises(UserError, match="quỹ khuyến học"), protected.write() as s:
        s.execute(insert(Voucher), [row])
    with pytest.raises(UserError, match="quỹ khuyến học"), protected.write() as s:
        s.execute(text("UPDATE voucher SET amount = 1"))
    with pytest.raises(sa_exc.DatabaseError, match="not authorized"):
        with protected.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM voucher")
    with pytest.raises(UserError, match="người dùng và mật khẩu"), protected.write() as s:
        s.execute(text("UPDATE app_user SET role = 'chairman'"))
    with protected.read() as s:
        assert s.scalar(select(Voucher.amount)) == 100_000
        assert s.scalar(select(AppUser.role).where(AppUser.username == "thuky")) == "secretary"


def test_guest_reads_but_cannot_write(protected):
    assert users.open_as_guest(protected)
    assert protected.role == roles.GUEST and protected.user is None
    with pytest.raises(UserError, match="có mật khẩu: hãy đăng nhập để sửa danh sách .*--user TÊN"):
        with protected.write() as s:
            registry.save_hamlet(s, registry.HamletForm(name="Thôn Mới"))
    with protected.read() as s:
        assert s.scalar(select(func.count(Hamlet.id))) == 1


# ---------------------------------------------------------------- managing users
def test_only_the_chairman_manages_users(protected):
    users.sign_in(protected, "thuky", PASSWORDS["thuky"])
    with pytest.raises(UserError, match="người dùng và mật khẩu"), protected.write() as s:
        users.set_role(s, "thuky", "chairman")
    users.change_own_password(protected, PASSWORDS["thuky"], "mat-khau-cua-toi")
    with pytest.raises(UserError, match="Mật khẩu hiện tại không đúng"):
        users.change_own_password(protected, "sai", "mat-khau-khac")
    assert protected.role == "secretary"  # changing one's own password lends no rights
    assert users.sign_in(protected, "thuky", "mat-khau-cua-toi").role == "secretary"


def test_last_chairman_stays(protected):
    with pytest.raises(UserError, match="ít nhất một Chủ tịch Hội"), protected.write() as s:
        users.set_role(s, "chutich", "viewer")
    with pytest.raises(UserError, match="Chủ tịch Hội cuối cùng"), protected.write() as s:
        users.remove_user(s, "chutich")
    with protected.write() as s:
        users.set_role(s, "ketoan", "chairman")
        users.set_role(s, "chutich", "viewer")
        users.remove_user(s, "thuquy")
    with protected.read() as s:
        assert {u.username: u.role for u in users.list_users(s)} == {
            "chutich": "viewer", "ketoan": "chairman", "thuky": "secretary", "xem": "viewer"}


def test_turn_off_opens_everything(protected):
    users.turn_off(protected)
    assert (protected.role, protected.user) == (None, None)
    with protected.read() as s:
        assert not users.is_protected(s) and s.scalar(select(func.count(AppRecovery.id))) == 0
    assert not users.open_as_guest(protected) and protected.role is None
    with protected.write() as s:
        fund.record_voucher(s, receipt())
        registry.save_hamlet(s, registry.HamletForm(name="Thôn Mới"))


def test_protection_is_kept_when_the_file_is_reopened(protected):
    path = protected.path
    protected.close()
    with Database(path) as again:
        assert again.role is None  # the caller (window, command line) signs in
        assert users.open_as_guest(again)
        assert again.role == roles.GUEST


# ---------------------------------------------------------------- recovery
def test_recovery_sheet_and_key(protected, sheets):
    key, sheet = protected.recovery
    assert sheet.parent == sheets
    assert len(key) == 34 and [len(g) for g in key.split("-")] == [4] * 7
    assert set(key.replace("-", "")) <= set(users.RECOVERY_ALPHABET)
    content = sheet.read_text(encoding="utf-8-sig")
    assert key in content and str(protected.path) in content and "khuyenhoc users recover" in content
    with protected.read() as s:
        stored = s.scalar(select(AppRecovery.secret_hash))
    assert stored.startswith("scrypt$") and key not in stored


def test_recover_resets_chairman_and_uses_up_the_key(protected, sheets):
    key, _sheet = protected.recovery
    now = utcnow()
    for _ in range(5):
        with pytest.raises(UserError):
            users.sign_in(protected, "chutich", "quen-roi", now=now)
    users.open_as_guest(protected)
    with pytest.raises(UserError, match="Khóa khôi phục không đúng"):
        users.recover(protected, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG", "mat-khau-moi", sheet_folder=sheets)
    typed = key.lower().replace("-", " ")  # as read aloud and typed
    chairman, new_key, new_sheet = users.recover(protected, typed, "mat-khau-moi", sheet_folder=sheets)
    assert chairman == "chutich" and new_key != key and new_key in new_sheet.read_text(encoding="utf-8-sig")
    assert protected.role == roles.GUEST  # recovering signs nobody in
    assert users.sign_in(protected, "chutich", "mat-khau-moi").role == "chairman"  # and unlocked
    with pytest.raises(UserError, match="Khóa khôi phục không đúng"):
        users.recover(protected, key, "mat-khau-khac", sheet_folder=sheets)
    with pytest.raises(UserError, match="không phải Chủ tịch Hội"):
        users.recover(protected, new_key, "mat-khau-khac", "thuky", sheet_folder=sheets)


def test_turn_on_twice_refused(protected, sheets):
    with pytest.raises(UserError, match="đã có bảo vệ"):
        users.turn_on(protected, "khac", "", "mat-khau-khac", sheets)
    assert len(list(sheets.iterdir())) == 1  # no stray sheet for a refused attempt


# ---------------------------------------------------------------- command line
def run(capsys, *argv, env=None, monkeypatch=None):
    for name in ("KHUYENHOC_PASSWORD", "KHUYENHOC_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_users(tmp_path, capsys, monkeypatch, fast_kdf):
    monkeypatch.setattr("khuyenhoc_desktop.services.backups.backups_dir", lambda: tmp_path / "sao-luu")
    path = tmp_path / "xa.sqlite"
    with Database(path) as db, db.write() as s:
        registry.save_hamlet(s, registry.HamletForm(name="Thôn Đông"))

    def khuyenhoc(*argv, **env):
        return run(capsys, *argv, "--db", path, env=env, monkeypatch=monkeypatch)

    assert khuyenhoc("users", "list")[1] == "Tệp dữ liệu chưa có bảo vệ bằng mật khẩu.\n"
    code, out, err = khuyenhoc("users", "enable", "--user", "chutich", "--name", "Trần Văn Bảo",
                               KHUYENHOC_PASSWORD="chu-tich-123")
    assert code == 0, err
    key = out.split("Khóa khôi phục: ")[1].split()[0]
    assert (tmp_path / "sao-luu").is_dir() and key in next((tmp_path / "sao-luu").iterdir()).read_text("utf-8-sig")
    code, out, err = khuyenhoc("users", "add", "thuquy", "--role", "treasurer", "--user", "chutich",
                               KHUYENHOC_PASSWORD="chu-tich-123", KHUYENHOC_NEW_PASSWORD="thu-quy-123")
    assert (code, out) == (0, "Đã thêm thuquy (Thủ quỹ).\n"), err
    # Without signing in: refused, with the way to sign in.
    code, out, err = khuyenhoc("users", "add", "xem", "--role", "viewer", KHUYENHOC_NEW_PASSWORD="chi-xem-123")
    assert code == 2 and "--user" in err
    # A treasurer is not the chairman.
    code, _, err = khuyenhoc("users", "set-role", "thuquy", "chairman", "--user", "thuquy",
                             KHUYENHOC_PASSWORD="thu-quy-123")
    assert code == 2 and "vai trò Thủ quỹ" in err and "người dùng và mật khẩu" in err
    # Write commands of other families need --user too; reads work and mask.
    code, _, err = khuyenhoc("fund", "receipt", "--amount", "100000", "--date", "02/01/2026", "--free-name",
                             "--donor", "Bà Hoa")
    assert code == 2 and "hãy đăng nhập" in err
    code, out, err = khuyenhoc("fund", "receipt", "--amount", "100000", "--date", "02/01/2026", "--free-name",
                               "--donor", "Bà Hoa", "--user", "thuquy", KHUYENHOC_PASSWORD="thu-quy-123")
    assert code == 0, err
    code, out, err = khuyenhoc("list", "hamlets")
    assert code == 0 and "Thôn Đông" in out
    code, _, err = khuyenhoc("list", "hamlets", "--user", "thuquy", KHUYENHOC_PASSWORD="sai")
    assert code == 2 and "Mật khẩu không đúng" in err
    code, _, err = khuyenhoc("users", "passwd", "--user", "thuquy",
                             KHUYENHOC_PASSWORD="thu-quy-123", KHUYENHOC_NEW_PASSWORD="thu-quy-456")
    assert code == 0, err
    code, out, _ = khuyenhoc("users", "list", "--format", "json")
    assert '"username": "thuquy", "full_name": "", "role": "treasurer"' in out
    code, out, err = khuyenhoc("users", "recover", "--key", key, KHUYENHOC_NEW_PASSWORD="chu-tich-999")
    assert code == 0 and out.startswith("Đã đặt lại mật khẩu của chutich."), err
    code, _, err = khuyenhoc("users", "remove", "thuquy", "--user", "chutich", KHUYENHOC_PASSWORD="chu-tich-999")
    assert code == 0, err
    code, out, err = khuyenhoc("users", "disable-protection", "--user", "chutich", KHUYENHOC_PASSWORD="chu-tich-999")
    assert code == 0 and "Đã tắt bảo vệ" in out, err
    with Database(path) as db, db.read() as s:
        assert not users.is_protected(s) and s.scalar(select(func.count(Voucher.id))) == 1


# ---------------------------------------------------------------- sign-in dialog
def test_login_dialog(protected, qtbot):
    from khuyenhoc_desktop.ui.login_dialog import LoginDialog

    users.open_as_guest(protected)
    dialog = LoginDialog(protected)
    qtbot.addWidget(dialog)
    assert [dialog.username.itemText(i) for i in range(dialog.username.count())] == sorted(PASSWORDS)
    dialog.username.setCurrentText("thuquy")
    dialog.password.setText("sai")
    dialog.ok_button.click()
    assert dialog.isVisible() is False and dialog.result() == 0  # never shown, still not accepted
    assert "Mật khẩu không đúng. Còn 4 lần thử" in dialog.error.text() and dialog.password.text() == ""
    assert protected.role == roles.GUEST
    dialog.password.setText(PASSWORDS["thuquy"])
    dialog.ok_button.click()
    assert dialog.result() == 1 and protected.user == "thuquy" and protected.role == "treasurer"
    dialog.grab().save("/tmp/shot-login.png")


def test_forgotten_password_from_the_login_dialog(protected, qtbot, sheets, monkeypatch):
    from khuyenhoc_desktop.ui import login_dialog

    monkeypatch.setattr("khuyenhoc_desktop.services.backups.backups_dir", lambda: sheets)
    users.open_as_guest(protected)
    recovery = login_dialog.RecoveryDialog(protected)
    qtbot.addWidget(recovery)
    recovery.key.setText("sai")
    recovery.new_password.setText("mat-khau-moi")
    recovery.repeat.setText("mat-khau-moi")
    recovery.ok_button.click()
    assert "Khóa khôi phục không đúng" in recovery.error.text()
    recovery.key.setText(protected.recovery[0])
    recovery.repeat.setText("go-khac-nhau")
    recovery.ok_button.click()
    assert recovery.error.text() == "Hai lần gõ mật khẩu mới không giống nhau."
    recovery.repeat.setText("mat-khau-moi")
    recovery.ok_button.click()
    assert recovery.result() == 1 and recovery.chairman == "chutich" and recovery.sheet.parent == sheets
    recovery.grab().save("/tmp/shot-recovery.png")
    shown = login_dialog.RecoveryKeyDialog(recovery.new_key, recovery.sheet, renewed=True)
    qtbot.addWidget(shown)
    assert shown.key_label.text() == recovery.new_key
    shown.grab().save("/tmp/shot-recovery-key.png")
    assert users.sign_in(protected, "chutich", "mat-khau-moi").role == "chairman"


def test_controller_asks_to_sign_in(protected, qtbot, monkeypatch):
    from khuyenhoc_desktop.ui import app, login_dialog

    path = protected.path
    protected.close()
    controller = app.Controller(None)
    monkeypatch.setattr(login_dialog.LoginDialog, "exec", lambda self: 0)
    with pytest.raises(UserError, match="Chưa đăng nhập nên chưa mở"):
        controller.open(path, is_demo=False)
    assert controller.window is None

    def sign_in_as_viewer(self):
        self.username.setCurrentText("xem")
        self.password.setText(PASSWORDS["xem"])
        self._try()
        return self.result()

    monkeypatch.setattr(login_dialog.LoginDialog, "exec", sign_in_as_viewer)
    controller.open(path, is_demo=False)
    try:
        assert (controller.ctx.db.user, controller.ctx.db.role) == ("xem", "viewer")
        page = controller.window.show_page("hamlets")
        assert not page.add_button.isEnabled() and not page.delete_button.isEnabled()
        assert controller.window.user_label.text() == "Đăng nhập: xem (Chỉ xem)"
    finally:
        controller.window.close()
        controller.ctx.db.close()


def test_settings_section(protected, qtbot, sheets, monkeypatch):
    from khuyenhoc_desktop.ui.context import AppContext
    from khuyenhoc_desktop.ui.users_section import EnableDialog, UsersSection

    ctx = AppContext(protected)
    section = UsersSection(ctx)
    qtbot.addWidget(section)
    section.resize(900, 320)
    section.refresh()
    assert section.model.rowCount() == 5 and section.add_button.isVisibleTo(section)
    assert "Đang đăng nhập: chutich (Chủ tịch Hội)" in section.status.text()
    section.grab().save("/tmp/shot-users-section.png")
    users.sign_in(protected, "thuky", PASSWORDS["thuky"])
    section.refresh()
    assert not section.add_button.isVisibleTo(section) and section.own_button.isVisibleTo(section)
    users.sign_in(protected, "chutich", PASSWORDS["chutich"])
    users.turn_off(protected)
    section.refresh()
    assert section.enable_button.isVisibleTo(section) and not section.table.isVisibleTo(section)
    monkeypatch.setattr("khuyenhoc_desktop.services.backups.backups_dir", lambda: sheets)
    dialog = EnableDialog(protected)
    qtbot.addWidget(dialog)
    dialog.username.setText("chutich2")
    dialog.password.setText("mat-khau-1")
    dialog.repeat.setText("mat-khau-1")
    dialog.grab().save("/tmp/shot-enable.png")
    dialog.ok_button.click()
    assert dialog.result() == 1 and protected.role == "chairman" and dialog.sheet.exists()
