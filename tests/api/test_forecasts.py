"""The forecast service and API with the real database: permissions, validation messages,
background jobs (progress, log, cancel), saved tasks, exports and the assistant's outlook."""

from __future__ import annotations

import csv
import io
import time
from datetime import timedelta

import pytest

from shuiwu.models import ForecastJob, JobStatus, StaffFunction
from shuiwu.services import forecasts as service
from shuiwu.timeutil import today_local
from tests.conftest import login
from tests.forecasting.homes import district_flows, reading_home


def wait_done(client, headers, job_id: int, timeout: float = 90) -> dict:
    """Polls like the page does; the app's worker thread runs the job."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/forecasts/jobs/{job_id}", headers=headers).json()
        if body["status"] in ("done", "failed", "cancelled"):
            return body
        time.sleep(0.3)
    pytest.fail(f"预测任务 {job_id} 在 {timeout} 秒内没有完成")


def days_ahead(a: int, b: int) -> tuple[str, str]:
    today = today_local()
    return (today + timedelta(days=a)).isoformat(), (today + timedelta(days=b)).isoformat()


@pytest.fixture
def resident_home(session, make_user):
    resident = make_user("resident")
    home = reading_home(session, "3101000101", owner=resident)
    return resident, home


def test_resident_forecasts_own_household_in_background_saves_reopens_and_exports(client, resident_home):
    resident, home = resident_home
    headers = login(client, resident.username)
    opts = client.get("/api/v1/forecasts/options", headers=headers).json()
    assert [r["key"] for r in opts["regions"]] == [str(home.id)]  # their own household only
    assert {m["key"] for m in opts["models"]} == {"auto", "snaive", "prophet", "gbm"}
    start, end = days_ahead(0, 13)
    config = {"start": start, "end": end, "granularity": "day", "model": "gbm",
              "regions": [{"kind": "household", "key": str(home.id)}]}
    r = client.post("/api/v1/forecasts/jobs", json={"config": config}, headers=headers)
    assert r.status_code == 201, r.text
    job = wait_done(client, headers, r.json()["id"])
    assert job["status"] == "done", job
    region = job["result"]["regions"][0]
    assert len(region["table"]) == 14 and region["table"][0]["period"] == start
    row = region["table"][0]
    assert row["lower95"] <= row["lower80"] <= row["yhat"] <= row["upper80"] <= row["upper95"]
    # The readings give 0.40–0.57 m³ a day; the forecast stays in that world.
    assert all(0.25 < t["yhat"] < 0.75 for t in region["table"])
    assert region["model"] == "gbm" and region["backtest"]["mae"]["snaive"] > 0
    from forecasting.models import MODEL_REVISION

    assert f"模型修订 {MODEL_REVISION}" in region["model_version"]  # the info panel's 版本
    assert region["reading"].startswith("预计这 14 天共用水约") and region["suggestions"]
    assert region["training"]["points"] >= 140 and len(region["history"]["values"]) == 60
    messages = [entry["message"] for entry in job["logs"]]
    assert messages[0].startswith("已提交") and any("开始训练" in m for m in messages) and messages[-1] == "预测完成"

    saved = client.post(f"/api/v1/forecasts/jobs/{job['id']}/save", json={"name": "我家两周用水"}, headers=headers)
    assert saved.status_code == 200 and saved.json()["saved"] is True
    listed = client.get("/api/v1/forecasts/jobs?saved=true", headers=headers).json()
    assert [(j["id"], j["name"]) for j in listed] == [(job["id"], "我家两周用水")]
    reopened = client.get(f"/api/v1/forecasts/jobs/{job['id']}", headers=headers).json()
    assert reopened["config"]["regions"][0]["key"] == str(home.id) and reopened["result"] == job["result"]

    exported = client.get(f"/api/v1/forecasts/jobs/{job['id']}/export?format=csv", headers=headers)
    assert exported.status_code == 200 and exported.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["区域", "时段", "预测值"] and len(rows) == 15
    xlsx = client.get(f"/api/v1/forecasts/jobs/{job['id']}/export?format=xlsx", headers=headers)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 15 and sheet["A2"].value == f"户号 {home.account_no}"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"start": 10, "end": 3}, "end", "结束日期不能早于开始日期"),
        ({"granularity": "hour", "end": 20}, "end", "按小时预测最多 14 天"),
        ({"granularity": "day", "end": 120}, "end", "按日预测最多 92 天"),
        ({"granularity": "hour", "end": 3}, "granularity", "户号只有逐日数据，不能按小时预测"),
        ({"regions": []}, "regions", "请至少选择一个预测区域"),
    ],
)
def test_invalid_parameters_get_specific_chinese_messages_and_create_nothing(
    client, session, resident_home, change, field, message
):
    resident, home = resident_home
    headers = login(client, resident.username)
    start, end = days_ahead(change.pop("start", 0), change.pop("end", 6))
    config = {"start": start, "end": end, "granularity": "day", "model": "auto",
              "regions": [{"kind": "household", "key": str(home.id)}], **change}
    r = client.post("/api/v1/forecasts/jobs", json={"config": config}, headers=headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert message in error["message"] and error["fields"][0]["field"] == field
    assert session.query(ForecastJob).count() == 0


def test_residents_may_not_pick_districts_or_other_households(client, session, make_user, resident_home):
    resident, _ = resident_home
    other = reading_home(session, "3101000102", owner=make_user("resident"))
    headers = login(client, resident.username)
    start, end = days_ahead(0, 6)
    base = {"start": start, "end": end, "granularity": "day", "model": "snaive"}
    r = client.post("/api/v1/forecasts/jobs", headers=headers,
                    json={"config": {**base, "regions": [{"kind": "district", "key": "东城区"}]}})
    assert r.status_code == 403 and "只能预测自己已绑定的户号" in r.json()["error"]["message"]
    r = client.post("/api/v1/forecasts/jobs", headers=headers,
                    json={"config": {**base, "regions": [{"kind": "household", "key": str(other.id)}]}})
    assert r.status_code == 404 and "无权查看" in r.json()["error"]["message"]
    r = client.get(f"/api/v1/forecasts/households/{other.id}/outlook", headers=headers)
    assert r.status_code == 404
    assert session.query(ForecastJob).count() == 0


def test_staff_compare_districts_and_a_job_is_theirs_alone(client, session, make_user):
    district_flows(session, "东城区")
    district_flows(session, "清源区")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    other_clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    headers = login(client, clerk.username)
    opts = client.get("/api/v1/forecasts/options", headers=headers).json()
    assert {"东城区", "清源区"} <= {r["key"] for r in opts["regions"] if r["kind"] == "district"}
    start, end = days_ahead(0, 27)
    config = {"start": start, "end": end, "granularity": "week", "model": "auto",
              "regions": [{"kind": "district", "key": "东城区"}, {"kind": "district", "key": "清源区"}]}
    created = client.post("/api/v1/forecasts/jobs", json={"config": config}, headers=headers).json()
    job = wait_done(client, headers, created["id"], timeout=180)
    assert job["status"] == "done", job
    east, west = job["result"]["regions"]
    assert east["label"] == "东城区" and west["label"] == "清源区"
    assert len(east["table"]) in (4, 5) and east["table"][0]["period"].endswith("起一周")
    assert east["cleaning"]["gaps"] == 3 and any("缺测 3 个" in n for n in east["notes"])
    assert east["backtest"]["winner"] in ("snaive", "prophet", "gbm")
    # Weekly volumes are the sums of ~2000 × 0.4–0.6 m³ days.
    assert 4000 < east["table"][1]["yhat"] < 9000
    other = login(client, other_clerk.username)
    assert client.get(f"/api/v1/forecasts/jobs/{job['id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/forecasts/jobs/{job['id']}/save", json={"name": "x"}, headers=other).status_code == 404


def test_cancel_a_queued_job_and_a_running_one(client, session, make_user, monkeypatch):
    district_flows(session, "东城区")
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    headers = login(client, clerk.username)
    monkeypatch.setattr(service, "WORKER_ENABLED", False)
    start, end = days_ahead(0, 6)
    config = {"start": start, "end": end, "granularity": "day", "model": "snaive",
              "regions": [{"kind": "district", "key": "东城区"}]}
    queued = client.post("/api/v1/forecasts/jobs", json={"config": config}, headers=headers).json()
    assert queued["status"] == "queued" and queued["step"] == "排队中"
    r = client.post(f"/api/v1/forecasts/jobs/{queued['id']}/cancel", headers=headers)
    assert r.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/forecasts/jobs/{queued['id']}/cancel", headers=headers).status_code == 409

    running = client.post("/api/v1/forecasts/jobs", json={"config": config}, headers=headers).json()
    job = session.get(ForecastJob, running["id"])
    with _session() as s:
        assert service._claim(s) == running["id"]
    assert client.get(f"/api/v1/forecasts/jobs/{running['id']}", headers=headers).json()["status"] == "running"
    client.post(f"/api/v1/forecasts/jobs/{running['id']}/cancel", headers=headers)
    service.run_job(running["id"])  # the worker notices at its next step
    session.refresh(job)
    assert job.status is JobStatus.CANCELLED and job.result is None
    assert any("已请求取消" in entry.message for entry in job.logs)


def _session():
    from shuiwu.db import new_session

    return new_session()


def test_household_outlook_for_the_assistant(session, make_user, resident_home):
    resident, home = resident_home
    began = time.perf_counter()
    outlook = service.household_outlook(session, resident, home.id, days=30)
    first = time.perf_counter() - began
    assert outlook["text"].startswith(f"户号 {home.account_no} 未来 30 天预计用水约")
    names = [s["name"] for s in outlook["chart"]["series"]]
    assert names[:2] == ["实际用水", "预测"] and "95%区间" in names
    assert len(outlook["chart"]["xAxis"]["data"]) == 60 + 30
    session.commit()
    # Kept as the household's snapshot: the second answer reuses it.
    began = time.perf_counter()
    again = service.household_outlook(session, resident, home.id, days=30)
    assert again["text"] == outlook["text"]
    print(f"\noutlook: first {first:.2f} s, cached {time.perf_counter() - began:.2f} s")


def test_uploaded_series_validated_with_chinese_messages(client, session, make_user):
    clerk = make_user("staff", staff_function=StaffFunction.CUSTOMER_SERVICE)
    headers = login(client, clerk.username)
    today = today_local()
    lines = ["timestamp,营业收入,工单数"]
    for i in range(70):
        day = today - timedelta(days=70 - i)
        lines.append(f"{day},{1000 + 50 * (day.weekday() >= 5) + i},{'' if i == 5 else 20 + day.weekday()}")
    good = ("\n".join(lines)).encode()

    def edit(line: int, column: str, value: str) -> bytes:
        rows = [row.split(",") for row in lines]
        rows[line - 1][rows[0].index(column)] = value
        return "\n".join(",".join(row) for row in rows).encode()

    def up(name, content):
        return client.post("/api/v1/forecasts/uploads", headers=headers, files={"file": (name, content)})

    r = up("kpi.csv", good)
    assert r.status_code == 200, r.text
    parsed = r.json()
    assert parsed["freq"] == "D" and set(parsed["series"]) == {"营业收入", "工单数"}
    assert parsed["series"]["工单数"]["values"][5] is None  # a blank stays missing
    for name, content, message in [
        ("kpi.xlsx", good, "内容不是 Excel"),
        ("kpi.pdf", good, "只支持 CSV"),
        ("kpi.csv", b"day,value\n2026-01-01,3\n", "缺少时间列"),
        ("kpi.csv", edit(11, "timestamp", "2026-13-45"), "第 11 行的时间无法识别"),
        ("kpi.csv", edit(12, "营业收入", "一千"), "无法识别为数字"),
        ("kpi.csv", b"", "文件是空的"),
    ]:
        r = up(name, content)
        assert r.status_code == 422 and message in r.json()["error"]["message"], (name, r.text)
    start, end = days_ahead(0, 13)
    config = {"start": start, "end": end, "granularity": "day", "model": "snaive",
              "regions": [{"kind": "upload", "key": "营业收入", "label": "营业收入"}],
              "uploads": {"营业收入": parsed["series"]["营业收入"]}}
    job = wait_done(client, headers, client.post("/api/v1/forecasts/jobs", json={"config": config}, headers=headers).json()["id"])
    assert job["status"] == "done" and job["result"]["regions"][0]["label"] == "上传：营业收入"
    resident = make_user("resident")
    assert client.post(
        "/api/v1/forecasts/uploads", headers=login(client, resident.username), files={"file": ("kpi.csv", good)}
    ).status_code == 403
