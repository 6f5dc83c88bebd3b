"""Gap-free counters and run-once job claims on either backend (one node; several nodes on PostgreSQL
are tested in test_pg_cluster.py), through the test-mode probes /api/v1/admin/counters|claims."""
import concurrent.futures


def test_concurrent_numbers_are_gap_free_and_audited(server, unique):
    c = server.client("admin")
    name = f"test.n{unique}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(lambda _: c.post(f"/api/v1/admin/counters/{name}"), range(40)))
    assert all(r.status == 200 for r in results), [r for r in results if r.status != 200][:3]
    assert sorted(r.json["value"] for r in results) == list(range(1, 41))
    # counters are independent of each other
    assert c.post(f"/api/v1/admin/counters/{name}.other").json["value"] == 1
    recs = c.get("/api/v1/audit?action=counter.next&limit=500").json["records"]
    assert len([x for x in recs if x["summary"].get("counter") == name]) == 40
    assert c.get("/api/v1/audit/verify").json["ok"]


def test_probe_refusals_change_nothing(server, unique):
    c = server.client("admin")
    assert c.post("/api/v1/admin/counters/items.2026").status == 422
    assert c.post("/api/v1/admin/claims/sched.real").status == 422
    assert server.client("gc_office").post(f"/api/v1/admin/counters/test.r{unique}").status == 403
    assert c.post(f"/api/v1/admin/counters/test.r{unique}", csrf=False).status == 403
    # none of the refused calls took a number
    assert c.post(f"/api/v1/admin/counters/test.r{unique}").json["value"] == 1


def test_claim_is_won_once(server, unique):
    c = server.client("admin")
    key = f"test.job.{unique}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        results = list(ex.map(lambda _: c.post(f"/api/v1/admin/claims/{key}"), range(16)))
    assert all(r.status == 200 for r in results)
    assert sum(r.json["won"] for r in results) == 1
    assert c.post(f"/api/v1/admin/claims/{key}.2").json["won"] is True
