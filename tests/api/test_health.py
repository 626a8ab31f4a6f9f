"""Liveness and readiness as a load balancer and an operator see them."""


def test_healthz_answers_without_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_readyz_is_503_and_names_rasa_when_rasa_is_down(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["database"]["ok"] is True
    assert checks["chroma"]["ok"] is True
    assert checks["rasa"]["ok"] is False
    assert "无法连接 Rasa" in checks["rasa"]["detail"]


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/auth/login" in spec["paths"]
