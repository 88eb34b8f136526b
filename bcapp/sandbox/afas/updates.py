"""What the sandbox's UpdateConnectors do to its tables (after spec validation passed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bcapp.sandbox.afas.data import Clock, Tables, num
from bcapp.sandbox.afas.spec import elements


class ProfitError(Exception):
    """Profit refused the data: HTTP 500 with ``externalMessage``."""


def _first(element: Mapping[str, Any], path: str, connector: str) -> list[Mapping[str, Any]]:
    return [el for p, el in elements({connector: {"Element": element}}) if p == path]


def _fields(element: Mapping[str, Any]) -> Mapping[str, Any]:
    return element.get("Fields") or {}


def _addresses(element: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """(the postal address, the delivery-address contacts) of a person or organisation element.

    Profit links a delivery address to a relation as a contact of kind ``AFL`` with its
    own address; the order's ``DlAd`` can then point at it.
    """
    main, delivery = None, []
    for obj in _objects(element):
        for item in _items(obj.get("KnBasicAddressAdr")):
            main = dict(_fields(item))
        for item in _items(obj.get("KnContact")):
            if _fields(item).get("ViKc") != "AFL":
                continue
            for sub in _objects(item):
                for adr in _items(sub.get("KnBasicAddressAdr")):
                    delivery.append({**_fields(adr), "ExAd": _fields(item).get("ExAd"),
                                     "Blocked": False})  # fmt: skip
    return main, delivery


def _objects(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    objects = element.get("Objects") or []
    return [
        o for o in (objects if isinstance(objects, list) else [objects]) if isinstance(o, Mapping)
    ]


def _items(obj: Any) -> list[Mapping[str, Any]]:
    if not isinstance(obj, Mapping):
        return []
    items = obj.get("Element")
    return [i for i in (items if isinstance(items, list) else [items]) if isinstance(i, Mapping)]


def _total(lines: list[dict[str, Any]]) -> float:
    """What the lines add up to (price per unit times units)."""
    return sum(float(num(ln.get("Upri") or 0) or 0) * float(num(ln.get("QuUn") or 0) or 0)
               for ln in lines)  # fmt: skip


class Updates:
    """UpdateConnector handlers: each returns the ``results`` dict AFAS answers with."""

    def __init__(self, tables: Tables, clock: Clock) -> None:
        self.t = tables
        self.clock = clock
        self.next_debtor = 10001
        self.next_order = 60000001
        self.next_packing_slip = 70000001
        self.next_invoice = 90000001
        self.next_quotation = 50000001
        self.next_entry = 1
        self.next_contact = 4000001  # KnContact CdId (a linked delivery address is a contact)
        self.next_address = 3000001  # KnBasicAddress AdId (what FbSales DlAd points at)

    def handler(self, connector: str, method: str) -> Callable[[Mapping], dict] | None:
        return {
            ("KnSalesRelationPer", "POST"): lambda b: self.relation(b, "KnSalesRelationPer"),
            ("KnSalesRelationOrg", "POST"): lambda b: self.relation(b, "KnSalesRelationOrg"),
            ("KnSalesRelationPer", "PUT"): lambda b: self.relation(b, "KnSalesRelationPer"),
            ("KnSalesRelationOrg", "PUT"): lambda b: self.relation(b, "KnSalesRelationOrg"),
            ("KnContact", "PUT"): self.contact,
            ("FbSales", "POST"): self.sales_order,
            ("FbDirectInvoice", "POST"): self.direct_invoice,
            ("FbSalesQuotation", "POST"): self.quotation,
            ("FbSubscription", "POST"): self.subscription,
            ("FbDeliveryNote", "POST"): self.delivery_note,
            ("FiEntries", "POST"): self.entry,
        }.get((connector, method))

    # -- relations ------------------------------------------------------------------------

    def relation(self, body: Mapping[str, Any], name: str) -> dict[str, Any]:
        element = body[name]["Element"]
        debtor = element.get("@DbId") or _fields(element).get("DbId")
        person = name == "KnSalesRelationPer"
        inner = "KnPerson" if person else "KnOrganisation"
        sub = _first(element, f"{name}/{inner}", name)
        data = dict(_fields(sub[0])) if sub else {}
        main, delivery = _addresses(sub[0]) if sub else (None, [])
        for address in delivery:  # Profit numbers the contact and its address
            address.update(ContactId=self.next_contact, AddressId=self.next_address)
            self.next_contact += 1
            self.next_address += 1
        if debtor and str(debtor) in self.t.relations:
            row = self.t.relations[str(debtor)]
            if main is not None:
                row["Address"] = main
            row.setdefault("DeliveryAddresses", []).extend(delivery)
            if _fields(element).get("VaId"):
                row["VatNr"] = _fields(element)["VaId"]
            # an update writes the relation fields it names (VaTp, PaCd, ...), keeps the rest
            row.setdefault("fields", {}).update(
                {k: v for k, v in _fields(element).items() if k != "DbId"}
            )
            return self._update_relation(str(debtor), data, person)
        if debtor:
            raise ProfitError(f"Sales relation '{debtor}' does not exist.")
        number = str(self.next_debtor)
        self.next_debtor += 1
        name_text = (
            " ".join(p for p in (data.get("FiNm"), data.get("LaNm")) if p)
            if person
            else str(data.get("Nm") or "")
        )
        stamp = self.clock.stamp()
        self.t.relations[number] = {
            "DebtorId": number,
            "DebtorName": name_text,
            "BcCo": f"P{number}",
            "Email": data.get("EmAd") or "",
            "TelNr": data.get("TeNr") or "",
            "VatNr": _fields(element).get("VaId") or "",
            "Blocked": False,
            "CreateDate": stamp,
            "ModifiedDate": stamp,
            "kind": "person" if person else "organisation",
            "Address": main,
            "DeliveryAddresses": delivery,
            "fields": dict(_fields(element)),
        }
        return {"DbId": number}

    def _update_relation(self, debtor: str, data: Mapping[str, Any], person: bool) -> dict:
        row = self.t.relations[debtor]
        if data.get("EmAd"):
            row["Email"] = data["EmAd"]
        if person and (data.get("FiNm") or data.get("LaNm")):
            row["DebtorName"] = " ".join(p for p in (data.get("FiNm"), data.get("LaNm")) if p)
        if not person and data.get("Nm"):
            row["DebtorName"] = data["Nm"]
        row["ModifiedDate"] = self.clock.stamp()
        return {"DbId": debtor}

    def contact(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """KnContact PUT: Profit deletes no contact through an UpdateConnector; it blocks one
        (``Bl``), which takes a linked delivery address out of use."""
        fields = _fields(body["KnContact"]["Element"])
        number = int(fields["CdId"])
        for row in self.t.relations.values():
            for address in row.get("DeliveryAddresses") or []:
                if address.get("ContactId") == number:
                    if "Bl" in fields:
                        address["Blocked"] = str(fields["Bl"]).lower() in {"1", "true"}
                    row["ModifiedDate"] = self.clock.stamp()
                    return {"CdId": number}
        raise ProfitError(f"Contact '{number}' does not exist.")

    def _check_delivery_address(self, fields: Mapping[str, Any], debtor: str) -> None:
        """``DlAd`` must be an address of the debtor's (a linked delivery address in use)."""
        if fields.get("DlAd") in (None, ""):
            return
        number = int(fields["DlAd"])
        known = [a for a in self.t.relations[debtor].get("DeliveryAddresses") or []
                 if a.get("AddressId") == number]  # fmt: skip
        if not known:
            raise ProfitError(f"Address '{number}' is not a delivery address of '{debtor}'.")
        if known[0].get("Blocked"):
            raise ProfitError(f"Delivery address '{number}' of '{debtor}' is blocked.")

    # -- orders ---------------------------------------------------------------------------

    def _debtor(self, fields: Mapping[str, Any]) -> str:
        debtor = str(fields.get("DbId") or "")
        if debtor not in self.t.relations:
            raise ProfitError(f"Sales relation '{debtor}' does not exist.")
        return debtor

    def _check_item(self, line: Mapping[str, Any]) -> None:
        if str(line.get("VaIt")) != "2":
            return  # costs, text, work types: not checked against articles
        code = str(line.get("ItCd"))
        if code not in self.t.articles:
            raise ProfitError(f"Item '{code}' does not exist.")
        dims = (line.get("StL1") or "", line.get("StL2") or "")
        if any(dims) and not any(
            d["ItemCode"] == code and (d["StockDimCode1"], d["StockDimCode2"] or "") == dims
            for d in self.t.dimensions
        ):
            raise ProfitError(f"Item '{code}' has no article dimension {'/'.join(dims)}.")

    def sales_order(self, body: Mapping[str, Any]) -> dict[str, Any]:
        element = body["FbSales"]["Element"]
        fields = _fields(element)
        debtor = self._debtor(fields)
        self._check_delivery_address(fields, debtor)
        lines = [dict(_fields(el)) for el in _first(element, "FbSales/FbSalesLines", "FbSales")]
        for line in lines:
            self._check_item(line)
        number = str(fields.get("OrNu") or self.next_order)
        if number in self.t.orders:
            raise ProfitError(f"Sales order '{number}' already exists.")
        self.next_order += 1
        total = _total(lines)
        stamp = self.clock.stamp()
        self.t.orders[number] = {
            "OrderNumber": number,
            "Status": "Open",
            "OrderDate": fields.get("OrDa"),
            "DebtorId": debtor,
            "CurrencyId": fields.get("CuId") or "EUR",
            "CustomerReference": fields.get("RfCs") or "",
            "TotalAmount": round(total, 2),
            "ModifiedDate": stamp,
            "fields": dict(fields),
            "lines": lines,
        }
        return {"OrNu": number}

    def _document(
        self, body: Mapping[str, Any], name: str
    ) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
        """A sales document's header fields, its known debtor and its checked lines."""
        element = body[name]["Element"]
        fields = _fields(element)
        debtor = self._debtor(fields)
        self._check_delivery_address(fields, debtor)
        lines = [dict(_fields(el)) for el in _first(element, f"{name}/{name}Lines", name)]
        for line in lines:
            self._check_item(line)
        return dict(fields), debtor, lines

    def direct_invoice(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """An invoice without an order: booked at once on the debtor (its number is AFAS's)."""
        fields, debtor, lines = self._document(body, "FbDirectInvoice")
        number = str(self.next_invoice)
        self.next_invoice += 1
        total = _total(lines)
        self.t.invoices[number] = {
            "InvoiceNumber": number,
            "InvoiceDate": fields.get("OrDa"),
            "DebtorId": debtor,
            "CustomerReference": fields.get("RfCs") or "",
            "TotalAmount": round(total, 2),
            "fields": dict(fields),
            "lines": lines,
        }
        return {"OrNu": number}

    def quotation(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A quotation for the debtor (no stock reserved, nothing invoiced yet)."""
        fields, debtor, lines = self._document(body, "FbSalesQuotation")
        number = str(self.next_quotation)
        self.next_quotation += 1
        self.t.quotations[number] = {
            "QuotationNumber": number,
            "DebtorId": debtor,
            "CustomerReference": fields.get("RfCs") or "",
            "fields": dict(fields),
            "lines": lines,
        }
        return {"OrNu": number}

    def subscription(self, body: Mapping[str, Any]) -> dict[str, Any]:
        element = body["FbSubscription"]["Element"]
        fields = _fields(element)
        number = str(fields.get("SuNr"))
        if number in self.t.subscriptions:
            raise ProfitError(f"Subscription '{number}' already exists.")
        self._debtor(fields)
        lines = [
            dict(_fields(el))
            for el in _first(element, "FbSubscription/FbSubscriptionLines", "FbSubscription")
        ]
        for line in lines:
            self._check_item(line)
        self.t.subscriptions[number] = {**fields, "lines": lines}
        return {"SuNr": number}

    def delivery_note(self, body: Mapping[str, Any]) -> dict[str, Any]:
        element = body["FbDeliveryNote"]["Element"]
        fields = _fields(element)
        debtor = self._debtor(fields)
        lines = [
            dict(_fields(el))
            for el in _first(element, "FbDeliveryNote/FbDeliveryNoteLines", "FbDeliveryNote")
        ]
        for line in lines:
            self._check_item(line)
        order = str(fields.get("SoOr") or "")
        if order and order not in self.t.orders:
            raise ProfitError(f"Sales order '{order}' does not exist.")
        number = str(self.next_packing_slip)
        self.next_packing_slip += 1
        stamp = self.clock.stamp()
        self.t.packing_slips[number] = {
            "DeliveryNoteNumber": number,
            "OrderNumber": order,
            "CustomerReference": fields.get("RfCs") or "",
            "DebtorId": debtor,
            "TrackTrace": fields.get("TrTr") or "",
            "Transporter": "",
            "ReportedReady": bool(fields.get("RdDe")),
            "DeliveryDate": fields.get("OrDa"),
            "ModifiedDate": stamp,
            "source": "api",
            "lines": [
                {
                    "ItemCode": ln.get("ItCd"),
                    "StockDimCode1": ln.get("StL1") or "",
                    "StockDimCode2": ln.get("StL2") or "",
                    "Quantity": num(ln.get("QuUn")),
                }
                for ln in lines
            ],
        }
        return {"OrNu": number}

    # -- financial mutations --------------------------------------------------------------

    def entry(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A financial mutation: every line checked as Profit does, then booked in balance.

        Profit refuses an unknown journal, ledger account, debtor or VAT code, and an
        entry whose debits and credits differ; the lines become Profit_Transactions rows.
        """
        element = body["FiEntryPar"]["Element"]
        head = _fields(element)
        journal = str(head.get("JoCo") or "")
        unit = int(head.get("UnId") or 1)
        if not any(
            j["JournalId"] == journal and j["UnitId"] == unit and not j["Blocked"]
            for j in self.t.journals
        ):
            raise ProfitError(f"Journal '{journal}' does not exist.")
        lines = [dict(_fields(el)) for el in _first(element, "FiEntryPar/FiEntries", "FiEntryPar")]
        for line in lines:
            self._check_entry_line(line)
        debit = round(sum(float(num(ln.get("AmDe")) or 0) for ln in lines), 2)
        credit = round(sum(float(num(ln.get("AmCr")) or 0) for ln in lines), 2)
        if not lines or debit != credit:
            raise ProfitError(f"The entry is not in balance (debit {debit}, credit {credit}).")
        number = self.next_entry
        self.next_entry += 1
        stamp = self.clock.stamp()
        for seq, line in enumerate(lines, start=1):
            self.t.entries.append({
                "UnitId": int(head.get("UnId") or 1), "EntryNo": number, "SeqNo": seq,
                "Year": int(head["Year"]), "Period": int(head["Peri"]), "JournalId": journal,
                "AccountNo": str(line["AcNr"]), "AmtDebit": float(num(line.get("AmDe")) or 0),
                "AmtCredit": float(num(line.get("AmCr")) or 0), "EntryDate": line.get("EnDa"),
                "InvoiceId": line.get("InId") or "", "VoucherDate": line.get("BpDa"),
                "VoucherNo": line.get("BpNr") or "", "VatCode": line.get("VaId") or "",
                "Description": line.get("Ds") or "", "Created": stamp, "Modified": stamp,
                "AccountType": str(line["VaAs"]), "fields": line,
            })  # fmt: skip
        return {"EnNo": number}

    def _check_entry_line(self, line: Mapping[str, Any]) -> None:
        account = str(line.get("AcNr") or "")
        kind = str(line.get("VaAs"))
        if kind == "2" and account not in self.t.relations:
            raise ProfitError(f"Debtor '{account}' does not exist.")
        if kind == "1":
            row = next((a for a in self.t.ledger_accounts if a["Account"] == account), None)
            if row is None:
                raise ProfitError(f"Ledger account '{account}' does not exist.")
            if row.get("Blocked"):
                raise ProfitError(f"Ledger account '{account}' is blocked.")
        code = line.get("VaId")
        if code and not any(
            v["VatCode"] == str(code) and not v["Blocked"] for v in self.t.vat_codes
        ):
            raise ProfitError(f"VAT code '{code}' does not exist or is blocked.")
