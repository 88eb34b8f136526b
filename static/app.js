/* In-app session without cookies (see bcapp/web/session.py).
 *
 * Every htmx request carries the token from <meta name="bcapp-session"> in the
 * X-Bcapp-Session header; every response hands back a fresh token, which we put
 * into the meta tag, the hidden _session form fields and the _session query of
 * in-app links, so a long-open page never presents an expired token.
 */
(function () {
  "use strict";
  var HEADER = "X-Bcapp-Session";
  var FIELD = "_session";

  function meta() { return document.querySelector('meta[name="bcapp-session"]'); }

  function currentToken() { var m = meta(); return m ? m.getAttribute("content") : null; }

  function refresh(token) {
    if (!token || token === currentToken()) { return; }
    var m = meta();
    if (!m) {
      m = document.createElement("meta");
      m.setAttribute("name", "bcapp-session");
      document.head.appendChild(m);
    }
    m.setAttribute("content", token);
    document.querySelectorAll('input[name="' + FIELD + '"]').forEach(function (input) {
      input.value = token;
    });
    document.querySelectorAll('a[href*="' + FIELD + '="]').forEach(function (a) {
      var url = new URL(a.getAttribute("href"), window.location.href);
      if (url.origin !== window.location.origin) { return; }
      url.searchParams.set(FIELD, token);
      a.setAttribute("href", url.pathname + url.search + url.hash);
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = currentToken();
    if (token) { event.detail.headers[HEADER] = token; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr) { refresh(xhr.getResponseHeader(HEADER)); }
  });

  /* Let htmx swap 422 answers (inline validation) instead of ignoring them. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* Let htmx swap 409 answers too (a question for the merchant, e.g. "switch ERP?"). */
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* Mapping tables: add and remove rows in place (the server drops rows left empty). */
  function renumber(tbody) {
    tbody.querySelectorAll("tr").forEach(function (row, index) {
      row.querySelectorAll("[aria-label]").forEach(function (el) {
        el.setAttribute("aria-label", el.getAttribute("aria-label").replace(/\d+( of .*)?$/, function (m, rest) {
          return String(index + 1) + (rest || "");
        }));
      });
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest(".mapping-add");
    var remove = event.target.closest(".mapping-remove");
    if (add) {
      var tbody = add.closest("fieldset").querySelector("tbody");
      var last = tbody.querySelector("tr:last-child");
      var row = last.cloneNode(true);
      row.querySelectorAll("input").forEach(function (i) { i.value = ""; i.removeAttribute("aria-invalid"); });
      row.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
      row.querySelectorAll(".field__error").forEach(function (e) { e.remove(); });
      row.querySelectorAll(".cell--error").forEach(function (c) { c.classList.remove("cell--error"); });
      tbody.appendChild(row);
      renumber(tbody);
      var first = row.querySelector("input, select");
      if (first) { first.focus(); }
    } else if (remove) {
      var body = remove.closest("tbody");
      var tr = remove.closest("tr");
      if (body.querySelectorAll("tr").length > 1) {
        tr.remove();
        renumber(body);
      } else {
        tr.querySelectorAll("input").forEach(function (i) { i.value = ""; });
        tr.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
      }
    }
  });

  /* "Connect AccountView / Exact Online": the vendor's sign-in cannot be framed inside
   * BigCommerce, so it opens in a new window; its last page (the app's callback) posts
   * a message back here and we continue with the company/division picker. */
  var pendingPick = null;  // where a "Reconnect …" link outside the connection form continues
  var polling = null;

  function ticket() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* The sign-in window normally reports back with postMessage; a vendor page that cuts
   * window.opener (Cross-Origin-Opener-Policy) would silence it, so we also ask the app. */
  function poll(statusUrl, id) {
    var started = Date.now();
    if (polling) { clearInterval(polling); }
    polling = setInterval(function () {
      if (Date.now() - started > 10 * 60 * 1000) { clearInterval(polling); return; }
      var url = new URL(statusUrl, window.location.href);
      url.searchParams.set("ticket", id);
      var headers = {};
      if (currentToken()) { headers[HEADER] = currentToken(); }
      fetch(url.pathname + url.search, {headers: headers}).then(function (r) {
        refresh(r.headers.get(HEADER));
        return r.ok ? r.json() : null;
      }).then(function (data) {
        if (data && data.result !== "waiting") { finish(data); }
      }).catch(function () {});
    }, 1500);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-connect-popup]");
    if (!link) { return; }
    var id = ticket();
    var start = new URL(link.href, window.location.href);
    start.searchParams.set("ticket", id);
    var popup = window.open(start.href, "bcapp-connect", "popup,width=620,height=760");
    if (!popup) { return; }  // blocked: the link itself opens a new tab
    event.preventDefault();
    pendingPick = link.dataset.pickUrl || null;
    if (link.dataset.statusUrl) { poll(link.dataset.statusUrl, id); }
    var waiting = document.getElementById("connect-waiting");
    if (waiting) { waiting.hidden = false; }
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin) { return; }
    var data = event.data || {};
    if (data.type !== "bcapp:erp-connect") { return; }
    finish(data);
  });

  function finish(data) {
    if (polling) { clearInterval(polling); polling = null; }
    var box = document.getElementById("connect-box");
    var pick = (box && box.dataset.pickUrl) || pendingPick;
    if (data.result === "connected" && pick) {
      var url = new URL(pick, window.location.href);
      var token = currentToken();
      if (token) { url.searchParams.set(FIELD, token); }
      window.location.assign(url.pathname + url.search);
    } else {
      var out = document.getElementById("connect-outcome");
      if (out) {
        out.innerHTML = "";
        var p = document.createElement("p");
        p.className = "notice notice--error";
        p.setAttribute("role", "alert");
        p.textContent = data.message || "The sign-in did not complete.";
        out.appendChild(p);
      }
    }
  }

  window.bcapp = { token: currentToken, refresh: refresh };
})();
