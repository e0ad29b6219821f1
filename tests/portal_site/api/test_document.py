"""The OpenAPI document and the reference page, served by the portal without a CDN."""

import re


def test_the_document_is_openapi_3_1_built_from_the_request_schemas(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    doc = response.get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http",
                                                              "scheme": "bearer"}
    customer_in = doc["components"]["schemas"]["CustomerIn"]
    assert customer_in["required"] == ["display_name"]
    assert customer_in["properties"]["payment_terms_days"]["maximum"] == 365
    put = doc["paths"]["/api/v1/customers/{external_id}"]["put"]
    assert {"200", "201", "401", "403", "404", "422", "429"} <= set(put["responses"])
    assert "application/problem+json" in put["responses"]["422"]["content"]
    assert len(doc["paths"]) == 8 * 3 + 1  # and the event feed


def test_the_reference_page_lists_every_operation_and_loads_nothing_from_elsewhere(client):
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    for kind in ("customers", "contacts", "items", "quotes", "sales_orders", "invoices",
                 "shipments", "payments"):
        assert f"PUT /api/v1/{kind}/{{external_id}}" in html
    assert not re.search(r"<script|https?://", html)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_an_unknown_api_path_is_a_problem_not_a_portal_page(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
