"""Files users upload (photos and short videos for the chat, repair forms and meter photos).

The type is decided by the file's content, never its name or the browser's claim; sizes are
capped (settings.upload_max_image_mb / upload_max_video_mb); photos are fully checked (pixel
limit, decodable) before anything is written. Bytes go under data_dir/uploads/ with a random
key; the row records the owner, and only the owner or staff may read them back.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from shuiwu.config import get_settings
from shuiwu.errors import InvalidInput, NotFound
from shuiwu.models import User
from shuiwu.models.photos import Upload
from shuiwu.services.households import is_staff
from vision import image as vimage

NOT_FOUND = "未找到该上传文件，或您无权查看"
UNSUPPORTED = "不支持的文件类型：只能上传照片（JPEG、PNG、WebP、HEIC）或视频（MP4、MOV、WebM），按文件内容识别，改扩展名无效。"
VIDEO_TOO_BIG = "视频太大（{size:.1f} MB），超过 {limit} MB 的上限：请剪短或降低清晰度后再上传。"


def _root() -> Path:
    return get_settings().data_dir / "uploads"


def _path(key: str) -> Path:
    return _root() / key[:2] / key


def check(data: bytes) -> tuple[str, str]:
    """(kind, content type) of an acceptable upload, else `InvalidInput` with the reason."""
    settings = get_settings()
    if not data:
        raise InvalidInput("文件是空的（大小为 0）：请重新选择文件。", field="file")
    found = vimage.sniff(data)
    if found is None:
        raise InvalidInput(UNSUPPORTED, field="file")
    kind, content_type = found
    if kind == "video":
        limit = settings.upload_max_video_mb
        if len(data) > limit * 1048576:
            raise InvalidInput(VIDEO_TOO_BIG.format(size=len(data) / 1048576, limit=limit), field="file")
        return kind, content_type
    # A photo is decoded once here (pixel limit, truncated files) so a bad one is never stored.
    vimage.open_photo(data, max_bytes=settings.upload_max_image_mb * 1048576)
    return kind, content_type


def _clean_name(filename: str | None) -> str:
    name = Path(filename or "").name
    return re.sub(r"[\x00-\x1f\\/]", "", name)[:120]


def save_upload(
    session: Session, actor: User, data: bytes, filename: str | None = None,
    content_type: str | None = None,
) -> Upload:
    """Check and store a file for `actor`. The browser's `content_type` is ignored."""
    kind, sniffed = check(data)
    key = secrets.token_urlsafe(24)
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    upload = Upload(
        key=key, owner_id=actor.id, kind=kind, content_type=sniffed, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), filename=_clean_name(filename),
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, actor: User, upload_id: int) -> Upload:
    """The upload if `actor` owns it or is staff; otherwise the same answer as a missing one."""
    upload = session.get(Upload, upload_id)
    if upload is None or (upload.owner_id != actor.id and not is_staff(actor)):
        raise NotFound(NOT_FOUND)
    return upload


def read_bytes(upload: Upload) -> bytes:
    try:
        return _path(upload.key).read_bytes()
    except FileNotFoundError as exc:
        raise NotFound("上传的文件已不存在，请重新上传") from exc
