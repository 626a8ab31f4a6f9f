"""POST /api/v1/uploads: photos and videos by content, size limits, owner-only reading."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from shuiwu.config import get_settings
from shuiwu.models import StaffFunction
from tests.api.photohelpers import counts
from tests.conftest import login
from tests.vision.conftest import png_header


def png(size=(320, 240)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000


@pytest.fixture
def resident(client, make_user):
    user = make_user("resident")
    return user, login(client, user.username)


def post(client, headers, data: bytes, name: str, content_type: str = "image/jpeg"):
    return client.post("/api/v1/uploads", headers=headers, files={"file": (name, data, content_type)})


def test_a_photo_and_a_video_are_stored_for_their_owner(client, session, resident):
    _, headers = resident
    photo = post(client, headers, png(), "IMG_0001.HEIC")  # the name lies; content decides
    assert photo.status_code == 201, photo.text
    assert photo.json()["kind"] == "image" and photo.json()["content_type"] == "image/png"
    video = post(client, headers, MP4, "leak.mov", "video/quicktime")
    assert video.json() | {"upload_id": 0} == {"upload_id": 0, "kind": "video",
                                                "content_type": "video/mp4", "size": len(MP4)}
    back = client.get(f"/api/v1/uploads/{photo.json()['upload_id']}", headers=headers)
    assert back.content == png() and back.headers["content-type"] == "image/png"
    stored = list((get_settings().data_dir / "uploads").rglob("*"))
    assert sum(p.is_file() for p in stored) >= 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00 an exe renamed", "photo.jpg", "不支持的文件类型"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "a.png", "不支持的文件类型"),
        (b"", "empty.jpg", "文件是空的"),
        (png_header(40000, 40000), "bomb.png", "像素过多"),
        (png()[:60], "cut.png", "文件不是照片"),
    ],
    ids=["exe", "svg", "empty", "bomb", "truncated"],
)
def test_bad_files_are_refused_with_a_message_and_nothing_is_kept(client, session, resident,
                                                                 data, name, message):
    _, headers = resident
    before = counts(session)
    files_before = sorted((get_settings().data_dir / "uploads").rglob("*")) if (
        get_settings().data_dir / "uploads").exists() else []
    response = post(client, headers, data, name)
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]
    assert counts(session) == before
    files_after = sorted((get_settings().data_dir / "uploads").rglob("*")) if (
        get_settings().data_dir / "uploads").exists() else []
    assert [p for p in files_after if p.is_file()] == [p for p in files_before if p.is_file()]


def test_video_over_the_limit_is_refused(client, session, resident, monkeypatch):
    _, headers = resident
    monkeypatch.setattr(get_settings(), "upload_max_video_mb", 1)
    response = post(client, headers, MP4 + b"\x00" * 1_100_000, "long.mp4", "video/mp4")
    assert response.status_code == 422 and "视频太大" in response.json()["error"]["message"]


def test_only_the_owner_and_staff_read_an_upload(client, make_user, resident):
    _, headers = resident
    upload_id = post(client, headers, png(), "a.png").json()["upload_id"]
    other = login(client, make_user("resident").username)
    refused = client.get(f"/api/v1/uploads/{upload_id}", headers=other)
    assert refused.status_code == 404 and "无权" in refused.json()["error"]["message"]
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    assert client.get(f"/api/v1/uploads/{upload_id}",
                      headers=login(client, clerk.username)).status_code == 200
    assert client.post("/api/v1/uploads", files={"file": ("a.png", png(), "image/png")}).status_code == 401
