"""用水预测任务（issue 8）: options, uploads, background jobs, saved tasks, exports, outlook."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from shuiwu.api.deps import CurrentUser, SessionDep
from shuiwu.errors import Conflict
from shuiwu.models import ForecastJob, JobStatus
from shuiwu.services import forecasts as service

router = APIRouter(prefix="/api/v1/forecasts", tags=["forecasts"])


class JobIn(BaseModel):
    config: dict[str, Any]
    name: str = Field("", max_length=60)


class SaveIn(BaseModel):
    name: str = Field(..., max_length=60)


class LogOut(BaseModel):
    at: datetime
    level: str
    message: str


class JobOut(BaseModel):
    id: int
    name: str
    saved: bool
    status: JobStatus
    progress: int
    step: str
    error: str | None
    config: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    logs: list[LogOut] = []
    result: dict[str, Any] | None = None


class JobSummaryOut(BaseModel):
    id: int
    name: str
    saved: bool
    status: JobStatus
    created_at: datetime
    saved_at: datetime | None
    regions: list[str]
    start: str
    end: str
    granularity: str


def job_out(job: ForecastJob, *, full: bool = True) -> JobOut:
    return JobOut(
        id=job.id, name=job.name, saved=job.saved, status=job.status, progress=job.progress,
        step=job.step, error=job.error, config=job.config, created_at=job.created_at,
        finished_at=job.finished_at,
        logs=[LogOut(at=entry.at, level=entry.level, message=entry.message) for entry in job.logs],
        result=job.result if full else None,
    )  # fmt: skip


@router.get("/options", summary="预测页面可选的区域、模型和粒度")
def options(user: CurrentUser, session: SessionDep) -> dict:
    return service.options(session, user)


@router.post("/uploads", summary="上传要预测的序列（CSV/Excel：时间列 + 数值列）")
async def upload(user: CurrentUser, file: UploadFile = File(...)) -> dict:
    if not service.is_staff(user):
        from shuiwu.errors import Forbidden

        raise Forbidden("只有工作人员可以上传数据进行预测")
    content = await file.read(service.MAX_UPLOAD_BYTES + 1)
    return service.parse_upload(file.filename or "", content)


@router.post("/jobs", response_model=JobOut, status_code=201, summary="生成预测（后台任务）")
def create_job(body: JobIn, user: CurrentUser, session: SessionDep) -> JobOut:
    job = service.create_job(session, user, body.config, name=body.name)
    session.commit()
    service.ensure_worker()
    return job_out(job)


@router.post("/drafts", response_model=JobOut, status_code=201, summary="只保存预测参数")
def save_draft(body: JobIn, user: CurrentUser, session: SessionDep) -> JobOut:
    if not body.name.strip():
        from shuiwu.errors import InvalidInput

        raise InvalidInput("请填写任务名称", field="name")
    return job_out(service.create_job(session, user, body.config, run=False, name=body.name))


@router.get("/jobs", response_model=list[JobSummaryOut], summary="我的预测任务")
def list_jobs(
    user: CurrentUser,
    session: SessionDep,
    saved: bool | None = Query(None),
    limit: int = Query(30, ge=1, le=100),
) -> list[JobSummaryOut]:
    return [
        JobSummaryOut(
            id=j.id,
            name=j.name,
            saved=j.saved,
            status=j.status,
            created_at=j.created_at,
            saved_at=j.saved_at,
            regions=[r.get("label") or r["key"] for r in j.config.get("regions", [])],
            start=j.config.get("start", ""),
            end=j.config.get("end", ""),
            granularity=j.config.get("granularity", ""),
        )  # fmt: skip
        for j in service.list_jobs(session, user, saved=saved, limit=limit)
    ]


@router.get("/jobs/{job_id}", response_model=JobOut, summary="任务进度、日志和结果")
def get_job(job_id: int, user: CurrentUser, session: SessionDep) -> JobOut:
    job = service.get_job(session, user, job_id)
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        service.ensure_worker()
    return job_out(job)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut, summary="取消任务")
def cancel_job(job_id: int, user: CurrentUser, session: SessionDep) -> JobOut:
    return job_out(service.cancel_job(session, user, job_id))


@router.post("/jobs/{job_id}/save", response_model=JobOut, summary="保存任务的参数和结果")
def save_job(job_id: int, body: SaveIn, user: CurrentUser, session: SessionDep) -> JobOut:
    return job_out(service.save_job(session, user, job_id, body.name))


@router.delete("/jobs/{job_id}", status_code=204, summary="删除任务")
def delete_job(job_id: int, user: CurrentUser, session: SessionDep) -> Response:
    service.delete_job(session, user, job_id)
    return Response(status_code=204)


@router.get("/jobs/{job_id}/export", summary="导出结果表（CSV / Excel）")
def export(
    job_id: int,
    user: CurrentUser,
    session: SessionDep,
    format: Literal["csv", "xlsx"] = Query("csv"),
) -> Response:
    job = service.get_job(session, user, job_id)
    if job.result is None:
        raise Conflict("任务还没有结果，无法导出")
    content, media, ext = service.export_table(job.result, format)
    filename = f"forecast-{job.id}.{ext}"
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/households/{household_id}/outlook", summary="户号未来用水预测（文字 + 图表）")
def household_outlook(
    household_id: int, user: CurrentUser, session: SessionDep, days: int = Query(30, ge=1, le=92)
) -> dict:
    return service.household_outlook(session, user, household_id, days)
