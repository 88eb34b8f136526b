from __future__ import annotations

from tests.catalog.conftest import World


def test_first_sync_creates_products(world: World) -> None:
    world.afas.add_article(
        "SHIRT",
        "Shirt",
        price="24.20",
        group="G1",
        ean="8712345678906",
        dimensions=[("S", ""), ("M", ""), ("L", "")],
        image_url="https://img.example.com/shirt.jpg",
    )
    world.afas.add_article("MUG", "Mug", price="12.10", group="G2")
    world.afas.set_stock("MUG", "HQ", 7, 2)
    run = world.run()
    print(run.status, run.message)
    for e in world.entries(run):
        print(e.entity, e.outcome, e.erp_id, e.bc_id, e.message, e.details)
    print(world.calls)
    assert run.status == "succeeded"
