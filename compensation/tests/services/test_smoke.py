from compensation.demo import seed_demo_policy
from compensation.simulation import simulate
from compensation.tests.factories import money_claim


def test_demo_policy_seeds_and_simulates(db):
    money_claim(claimed_amount=420_000)
    version = seed_demo_policy()
    assert version.status == "adopted"
    assert "의결" in version.adoption_label
    sql = simulate(version=version)
    py = simulate(version=version, engine="python")
    assert sql["totals"] == py["totals"]
    assert sql["totals"]["cash_won"] == 50_000
