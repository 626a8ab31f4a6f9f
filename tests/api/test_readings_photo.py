"""Meter photos through the API with the real database and the real models: bad photos store
nothing, another resident's household is refused, a lower reading never goes in by itself, and
staff approve, correct and reject from the review queue."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from sqlalchemy import select

from shuiwu.models import Reading, ReadingSource, StaffFunction
from shuiwu.models.photos import MeterPhoto, TrainingCrop
from shuiwu.services import meter_photos
from tests.api.photohelpers import counts, dark_photo, home_with_last, meter_photo, not_a_photo
from tests.conftest import login
from tests.vision.conftest import needs_datasets

pytestmark = needs_datasets
PHOTO = (21, 131.4565)  # a clear photo the calibrated reader accepts, read 131.456 (three decimals)
READ = Decimal("131.456")
# A photo whose wheels the reader is sure of but not its dials: only 131 m³ go in by themselves.
WHOLE = (23, 131.4565)


def send(client, headers, household_id, data: bytes, name="meter.jpg"):
    return client.post("/api/v1/readings/photo", headers=headers,
                       data={"household_id": str(household_id)},
                       files={"file": (name, data, "image/jpeg")})


@pytest.fixture
def resident(client, make_user):
    user = make_user("resident")
    return user, login(client, user.username)


@pytest.fixture
def clerk(client, make_user):
    user = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    return user, login(client, user.username)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (not_a_photo(), "文件不是照片"),
        (b"", "大小为 0"),
        (dark_photo(), "照片太暗"),
    ],
    ids=["fake", "empty", "dark"],
)
def test_a_bad_photo_gets_its_message_and_stores_nothing(client, session, resident, data, message):
    user, headers = resident
    home = home_with_last(session, "3100000001", user, "120.000")
    before = counts(session)
    response = send(client, headers, home.id, data)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]
    assert counts(session) == before


def test_another_residents_household_is_refused(client, session, resident, make_user):
    _, headers = resident
    other = make_user("resident")
    theirs = home_with_last(session, "3100000002", other, "120.000")
    before = counts(session)
    response = send(client, headers, theirs.id, meter_photo(*PHOTO))
    assert response.status_code == 404
    assert "无权" in response.json()["error"]["message"]
    assert counts(session) == before


def test_a_reading_lower_than_the_last_is_never_accepted_by_itself(client, session, resident):
    user, headers = resident
    home = home_with_last(session, "3100000003", user, "2500.000")
    readings_before = counts(session)[2]
    body = send(client, headers, home.id, meter_photo(*PHOTO)).json()
    assert body["status"] == "review"
    assert "小于上次读数 2500.000" in body["reason"]
    assert Decimal(body["reading"]) == READ
    assert counts(session)[2] == readings_before  # no reading stored


def send_after(client, session, resident, account_no: str, last: str, photo) -> tuple[dict, int]:
    """The resident's answer for `photo` in a new household whose last reading is `last`, and
    how many readings there were before it."""
    user, headers = resident
    home = home_with_last(session, account_no, user, last)
    before = counts(session)[2]
    return send(client, headers, home.id, meter_photo(*photo)).json(), before


def test_a_clear_plausible_photo_is_stored_as_a_reading(client, session, resident):
    body, before = send_after(client, session, resident, "3100000010", "131.000", PHOTO)
    assert body["status"] == "accepted", body
    assert body["reading"] == "131.456" and len(body["digits"]) == 8
    assert all(set(d) == {"value", "confidence"} for d in body["digits"])
    stored = session.scalar(select(Reading).order_by(Reading.id.desc()).limit(1))
    assert counts(session)[2] == before + 1
    assert stored.value == READ and stored.source is ReadingSource.PHOTO


def test_only_the_whole_cubic_metres_go_in_when_only_they_are_sure(client, session, resident):
    body, before = send_after(client, session, resident, "3100000011", "130.250", WHOLE)
    assert body["status"] == "accepted", body
    assert "已按 131 立方米入账" in body["reason"] and "下次抄表时一并计入" in body["reason"]
    assert body["reading"] == "131.000" and body["proposed_reading"] == "131.456"
    stored = session.scalar(select(Reading).order_by(Reading.id.desc()).limit(1))
    assert counts(session)[2] == before + 1
    assert stored.value == Decimal("131.000") and "整数部分" in stored.note


def test_whole_cubic_metres_below_the_last_reading_are_not_stored(client, session, resident):
    # Last 131.200: the photo shows 131.456, but the sure part alone, 131, would go backwards.
    body, before = send_after(client, session, resident, "3100000012", "131.200", WHOLE)
    assert body["status"] == "confirm", body
    assert "整数部分还没有超过上次读数 131.200" in body["reason"]
    assert body["reading"] == "131.456"
    assert counts(session)[2] == before


def test_review_queue_approve_correct_and_reject(client, session, resident, clerk, make_user):
    user, headers = resident
    home = home_with_last(session, "3100000004", user, "2500.000")
    ids = [send(client, headers, home.id, meter_photo(*PHOTO)).json()["photo_id"] for _ in range(3)]
    _, staff = clerk

    queue = client.get("/api/v1/readings/review", headers=staff).json()
    mine = [item for item in queue if item["photo_id"] in ids]
    assert len(mine) == 3
    assert mine[0]["account_no"] == "3100000004" and mine[0]["history"][-1]["value"] == "2500.000"
    window = client.get(f"/api/v1/readings/photos/{ids[0]}/window.png", headers=staff)
    assert window.status_code == 200 and window.content.startswith(b"\x89PNG")
    original = client.get(f"/api/v1/readings/photos/{ids[0]}/image", headers=staff)
    assert original.headers["content-type"] == "image/jpeg"

    # A field-repair worker has no business with readings; the resident cannot review.
    fixer = make_user("staff", staff_function=StaffFunction.FIELD_REPAIR)
    assert client.post(f"/api/v1/readings/photos/{ids[0]}/approve", json={},
                       headers=login(client, fixer.username)).status_code == 403
    assert client.post(f"/api/v1/readings/photos/{ids[0]}/approve", json={},
                       headers=headers).status_code == 403

    # Approve: the proposed reading is stored as a photo reading (the meter was replaced, say).
    approved = client.post(f"/api/v1/readings/photos/{ids[0]}/approve",
                           json={"note": "已换表"}, headers=staff).json()
    assert approved["status"] == "accepted"
    stored = session.scalar(select(Reading).where(Reading.id == session.get(MeterPhoto, ids[0]).reading_id))
    assert stored.value == READ and stored.source is ReadingSource.PHOTO

    # Correct: the staff's value is stored, and the wheels read wrongly become training data.
    corrected = client.post(f"/api/v1/readings/photos/{ids[1]}/correct",
                            json={"value": "2531.456"}, headers=staff).json()
    assert corrected["status"] == "accepted" and corrected["reading"] == "2531.456"
    session.expire_all()
    crops = session.scalars(select(TrainingCrop).where(TrainingCrop.photo_id == ids[1])).all()
    assert sorted((c.position, c.label, c.predicted) for c in crops) == [(0, "0", "0")] * 0 + [
        (1, "2", "0"), (2, "5", "1")]  # 00131 → 02531: wheels 2 and 3 were wrong

    # Reject: no reading, the resident sees why.
    rejected = client.post(f"/api/v1/readings/photos/{ids[2]}/reject",
                           json={"note": "照片不是本户水表"}, headers=staff).json()
    assert rejected["status"] == "rejected" and "不是本户水表" in rejected["reason"]
    assert session.get(MeterPhoto, ids[2]).reading_id is None
    # Handled photos leave the queue and cannot be handled twice.
    assert not [i for i in client.get("/api/v1/readings/review", headers=staff).json() if i["photo_id"] in ids]
    assert client.post(f"/api/v1/readings/photos/{ids[2]}/approve", json={},
                       headers=staff).status_code == 409


def test_corrections_export_in_the_meter_digits_labels_shape(session, tmp_path, clerk, resident):
    user, _ = resident
    home = home_with_last(session, "3100000005", user, "2500.000")
    result = meter_photos.read_photo(session, user, home.id, data=meter_photo(*PHOTO))
    meter_photos.correct(session, clerk[0], result["photo_id"], "2531.456")
    session.commit()
    assert meter_photos.export_training(session, tmp_path) == 2
    with open(tmp_path / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["label"] for r in rows] == ["2", "5"]
    assert all((tmp_path / r["file"]).read_bytes().startswith(b"\x89PNG") for r in rows)


def test_resident_confirms_a_big_jump_and_it_is_stored(client, session, resident):
    user, headers = resident
    # 131.456 two days after 20.000: 55 m³ a day against a usual 0.5 — asked to confirm.
    home = home_with_last(session, "3100000006", user, "20.000", days_ago=2)
    body = send(client, headers, home.id, meter_photo(*PHOTO)).json()
    assert body["status"] == "confirm", body
    assert "请核对读数" in body["reason"]
    before = counts(session)[2]
    done = client.post(f"/api/v1/readings/photos/{body['photo_id']}/confirm", json={},
                       headers=headers).json()
    assert done["status"] == "accepted"
    assert counts(session)[2] == before + 1
    again = client.post(f"/api/v1/readings/photos/{body['photo_id']}/confirm", json={}, headers=headers)
    assert again.status_code == 409


def test_a_residents_correction_goes_to_staff(client, session, resident):
    user, headers = resident
    home = home_with_last(session, "3100000007", user, "20.000", days_ago=2)
    body = send(client, headers, home.id, meter_photo(*PHOTO)).json()
    assert body["status"] == "confirm"
    bad = client.post(f"/api/v1/readings/photos/{body['photo_id']}/confirm",
                      json={"value": "一百"}, headers=headers)
    assert bad.status_code == 422 and "读数格式不对" in bad.json()["error"]["message"]
    done = client.post(f"/api/v1/readings/photos/{body['photo_id']}/confirm",
                       json={"value": "31.456"}, headers=headers).json()
    assert done["status"] == "review" and "住户更正读数为 31.456" in done["reason"]


def test_photo_sent_first_as_an_upload(client, session, resident, make_user):
    user, headers = resident
    home = home_with_last(session, "3100000008", user, "2500.000")
    up = client.post("/api/v1/uploads", headers=headers,
                     files={"file": ("x.jpg", meter_photo(*PHOTO), "image/jpeg")}).json()
    body = client.post("/api/v1/readings/photo", headers=headers,
                       data={"household_id": str(home.id), "upload_id": str(up["upload_id"])}).json()
    assert body["status"] == "review" and Decimal(body["reading"]) == READ
    # Someone else's upload id is not theirs to use.
    other = make_user("resident")
    theirs = home_with_last(session, "3100000009", other, "1.000")
    response = client.post("/api/v1/readings/photo", headers=login(client, other.username),
                           data={"household_id": str(theirs.id), "upload_id": str(up["upload_id"])})
    assert response.status_code == 404
