"""Nhân khẩu › Xóa dữ liệu cá nhân…: a person's request to have their personal data deleted
(Decree 13/2023), with a confirmation that says what goes and what stays."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from khuyenhoc_desktop.errors import UserError
from khuyenhoc_desktop.services import privacy
from khuyenhoc_desktop.storage.models import Person

TITLE = "Xóa dữ liệu cá nhân"
KEPT = ("Được xóa: họ tên (thay bằng “Người đã xóa dữ liệu #số”), số CCCD, số điện thoại, ngày sinh "
        "(giữ năm sinh), nghề nghiệp, ghi chú, địa chỉ của hộ chỉ có một mình người này, và các giá trị đó "
        "trong nhật ký thay đổi.\n\n"
        "Được giữ để thống kê không nêu tên: giới tính, năm sinh, hộ và thôn, quan hệ với chủ hộ, trình độ "
        "học vấn, hội viên, danh hiệu và kết quả học tập. Phiếu thu, phiếu chi và danh sách nhận học bổng "
        "là chứng từ kế toán phải lưu giữ nên không thay đổi.\n\nViệc này không hoàn tác được.")


def confirm_box(parent, name: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Warning, TITLE, f"Xóa dữ liệu cá nhân của {name}?", parent=parent)
    box.setInformativeText(KEPT)
    box.erase_button = box.addButton("Xóa dữ liệu cá nhân", QMessageBox.DestructiveRole)
    box.setDefaultButton(box.addButton("Hủy", QMessageBox.RejectRole))
    return box


def erase_personal_data(page) -> bool:
    person_id = page.selected_id()
    if person_id is None:
        QMessageBox.information(page, TITLE, "Hãy chọn một nhân khẩu trong danh sách trước.")
        return False
    with page.ctx.db.read() as session:
        person = session.get(Person, person_id)
        name = person.full_name if person else ""
    box = confirm_box(page, name)
    box.exec()
    if box.clickedButton() is not box.erase_button:
        return False
    try:
        with page.ctx.db.write() as session:
            privacy.erase_person(session, person_id)
    except UserError as exc:
        QMessageBox.warning(page, TITLE, str(exc))
        return False
    page.ctx.changed("persons", "households", "members", "citizen_results", "clans")
    return True
