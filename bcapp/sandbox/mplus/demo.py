"""A small shop to show: groups, simple and size/colour products, stock in two branches.

``seed_demo(state)`` fills an installation the way a shop that has used Mplus
for a while looks; ``seed_articles(state, n)`` adds ``n`` plain articles for
load tests (the 10,000-article catalog benchmark).
"""

from __future__ import annotations

from bcapp.sandbox.mplus.state import MplusState

DEMO_SETTINGS = {"ident": "demo-ident", "secret": "demo-secret"}


def seed_demo(state: MplusState) -> MplusState:
    """Fill ``state`` with a demo shop; returns it."""
    state.add_branch(2, "Magazijn", workplaces=(1,))
    clothing = state.add_group("Kleding", sort_order=1)
    shirts = state.add_group("T-shirts", parent=clothing)
    kitchen = state.add_group("Keuken", sort_order=2)
    state.add_product(
        [{"articleNumber": 1001, "description": "Mok Delfts blauw", "priceIncl": 1295,
          "priceExcl": 1070, "barcode": "8712345000011", "brandName": "Royal Delft"}],
        description="Mok Delfts blauw", group_numbers=[kitchen],
        extra_text="Handbeschilderde mok, 300 ml.",
    )  # fmt: skip
    sizes = [("S", 2001), ("M", 2002), ("L", 2003)]
    state.add_product(
        [{"articleNumber": number, "description": f"T-shirt Oranje {size}", "colour": "Oranje",
          "size": size, "sizeSequenceNumber": i, "priceIncl": 2495, "priceExcl": 2062}
         for i, (size, number) in enumerate(sizes)],
        description="T-shirt Oranje", group_numbers=[shirts],
    )  # fmt: skip
    state.add_product(
        [{"articleNumber": 9000017, "extArticleId": "TOTE-NAT", "description": "Tas naturel",
          "priceIncl": 995}],
        description="Tas naturel", group_numbers=[clothing],
    )  # fmt: skip
    for article, free, reserved in ((1001, 24, 2), (2001, 5, 0), (2002, 0, 0), (2003, 3, 1)):
        state.set_stock(article, free, reserved)
    state.set_stock(1001, 100, 0, branch=2)
    state.add_relation(name="Anna de Vries", email="anna@example.com", zipcode="3833 LC")
    return state


def seed_articles(state: MplusState, n: int, *, first: int = 100_001) -> list[int]:
    """``n`` single-article products with stock; returns their article numbers."""
    numbers = list(range(first, first + n))
    for number in numbers:
        state.add_product(
            [{"articleNumber": number, "description": f"Artikel {number}",
              "priceIncl": 100 + number % 10_000, "barcode": f"87{number:011d}"}],
        )  # fmt: skip
        state.set_stock(number, number % 50)
    return numbers


def demo_sandbox(**kwargs: object) -> object:
    """A seeded simulator for the demo (serve it with any WSGI server)."""
    from bcapp.sandbox.mplus.app import MplusSandbox

    return MplusSandbox(seed_demo(MplusState(**DEMO_SETTINGS)), **kwargs)  # type: ignore[arg-type]
