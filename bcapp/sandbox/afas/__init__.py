"""A stateful AFAS Profit simulator (one environment per instance), as a WSGI app.

Behaves like Profit's REST API where bcapp depends on it: the token format
(``Authorization: AfasToken base64(<token><version>1</version><data>…</data></token>)``,
a bad token → 401 with an empty body), GetConnectors (skip/take, orderbyfieldids
with ``-`` for descending, filters with all operator types 1 to 14, filter sets
``;`` OR-ed and conditions ``,`` AND-ed), ``/metainfo`` and ``/metainfo/get/{id}``
for standard and merchant-named connectors, UpdateConnectors validated against
AFAS's OpenAPI files when ``../shared/erp-specs/afas`` is present (a built-in
minimal rule set otherwise), Profit's error body on HTTP 500
(``externalMessage``, ``errorNumber``, ``profitLogReference``) and generated
numbers (debtors from 10001, sales orders from 60000001, packing slips from
70000001).

Public API::

    sb = AfasSandbox(environment="12345", token=None)   # token: sb.token
    sb.wsgi_app            # the Flask WSGI app (serve it, or mount it)
    sb.transport()         # httpx transport into wsgi_app (honours "timeout" faults)
    sb.settings(**over)    # AfasConnector settings pointing here (base_url override)
    sb.seed(n, with_dimensions=k, modified=None) -> ["A0001", ...]
    sb.add_article(code, description, price=, group=, ean=, blocked=, dimensions=[(d1, d2)],
                   vat=, image_url=, modified=, **custom_fields)
    sb.touch_article(code, **changes)      # new ModifiedDate
    sb.add_group(code, name); sb.set_stock(code, warehouse, on_hand, reserved, dim1, dim2)
    sb.add_debtor(email, name) -> debtor number; sb.touch_debtor(number, **changes)
    sb.set_order_status(order_number, status)
    sb.add_packing_slip(order_number, [(code, qty)], tracking=, carrier=, ready=)
    sb.report_ready(packing_slip_number)
    sb.add_credit_invoice(reference, [(code, qty, amount)])
    sb.define_connector(id, [(field, dataType)], source="BCApp_Articles")  # custom GetConnector
    sb.fail_next(500 | 503 | "timeout", times=1); sb.reject_next_write(message)
                           # ("timeout" raises httpx.ReadTimeout through sb.transport();
                           #  served on a port it answers 504 instead)
    sb.latency = 0.05      # seconds added to every request (benchmarks)
    sb.restricted.add("Profit_Debtor")  # an endpoint outside the app connector: 401
    sb.clock.advance(s)    # Profit's modification clock (whole seconds)
    sb.tables              # the data (articles, orders, relations, packing_slips, ...)
    sb.requests            # every request received (method, path, params, body)

    both = Environments(sb, AfasSandbox("67890"))  # several environments, routed by host
    both.transport(); both  # (the WSGI app)

Run standalone: ``python -m bcapp.sandbox.afas [port]`` serves a seeded sandbox.
"""

from bcapp.sandbox.afas.sandbox import AfasSandbox, Environments

__all__ = ["AfasSandbox", "Environments"]
