"""Malformed requests get one JSON shape with a Chinese message per field, and change nothing."""


def test_missing_and_too_long_fields_are_named_in_chinese(client):
    response = client.post("/api/v1/auth/login", json={"username": "x" * 300})
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "invalid_input"
    assert body["message"] == "提交的内容有误，请检查后重试"
    assert {"field": "username", "message": "长度不能超过 254 个字符"} in body["fields"]
    assert {"field": "password", "message": "此项为必填项"} in body["fields"]


def test_body_that_is_not_json_gets_a_clear_message(client):
    response = client.post(
        "/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["message"] == "请求体不是有效的 JSON"


def test_bad_query_parameter_is_reported_by_name(client, make_user):
    from tests.conftest import login

    user = make_user("resident")
    headers = login(client, user.username)
    response = client.get("/api/v1/households/abc/bills?limit=0", headers=headers)
    assert response.status_code == 422
    fields = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
    assert fields == {"household_id": "应为整数", "limit": "不能小于 1"}


def test_unknown_api_path_is_a_json_404_not_the_web_page(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "请求的资源不存在"


def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["X-Request-ID"] == "abc123"
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32


def test_a_write_whose_commit_fails_is_answered_as_a_failure(db_url, make_user, monkeypatch):
    """The transaction commits before the response is sent: a client never gets 200 for a change
    that was not stored, and a read right after a write sees it."""
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from shuiwu.main import create_app
    from tests.conftest import login

    user = make_user("resident")
    with TestClient(create_app(), raise_server_exceptions=False) as client:
        headers = login(client, user.username)

        def refuse(self):
            raise RuntimeError("database went away at commit")

        monkeypatch.setattr(Session, "commit", refuse)
        response = client.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "服务器内部错误，请稍后再试"
