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

  window.bcapp = { token: currentToken, refresh: refresh };
})();
