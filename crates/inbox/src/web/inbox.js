// The web inbox's live updates. One websocket to this origin's /inbox/ws (the session cookie
// signs it in); on every frame the page is fetched again and each region marked `data-live` is
// swapped in place: what the agent is typing, where they scrolled and the control they are using
// stay as they are. A dropped socket is opened again with a growing delay, and the page catches
// up as soon as it is back. Without this script the pages still work, through links and forms.
(function () {
  "use strict";

  var MAX_DELAY_MS = 8000;
  var attempt = 0;
  var signedOut = false;
  var fetching = false;
  var fetchAgain = false;
  var deferred = false;
  var status = document.getElementById("live-status");

  function show(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/inbox/ws");
    socket.onopen = function () {
      attempt = 0;
      signedOut = false;
      document.documentElement.setAttribute("data-live", "on");
      show("");
      // Whatever happened while there was no socket.
      refresh();
    };
    socket.onmessage = refresh;
    socket.onclose = function (event) {
      document.documentElement.setAttribute("data-live", "off");
      // 4001: the session ended (signed out here or in another tab); a sign-in brings it back.
      if (event.code === 4001) signedOut = true;
      show(signedOut ? "Signed out: sign in again to see new messages." : "Reconnecting…");
      var delay = Math.min(MAX_DELAY_MS, 500 * Math.pow(2, attempt));
      attempt += 1;
      setTimeout(connect, delay / 2 + Math.random() * (delay / 2));
    };
  }

  // At most one fetch at a time; frames arriving meanwhile cause one more.
  function refresh() {
    if (fetching) {
      fetchAgain = true;
      return;
    }
    fetching = true;
    fetch(location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // A sign-in page or a vanished chat is not this page: keep what is shown.
        if (!response.ok || new URL(response.url).pathname !== location.pathname) return null;
        return response.text();
      })
      .then(function (html) {
        if (html) swap(new DOMParser().parseFromString(html, "text/html"));
      })
      .catch(function () {})
      .then(function () {
        fetching = false;
        if (fetchAgain) {
          fetchAgain = false;
          refresh();
        }
      });
  }

  function swap(fresh) {
    document.title = fresh.title;
    var regions = fresh.querySelectorAll("[data-live]");
    for (var i = 0; i < regions.length; i++) {
      var next = regions[i];
      var current = next.id && document.getElementById(next.id);
      if (!current || current.isEqualNode(next)) continue;
      // A composer is replaced only when another kind is offered (the 24-hour window changed).
      var mode = next.getAttribute("data-mode");
      if (mode && mode === current.getAttribute("data-mode")) continue;
      if (current.contains(document.activeElement) && document.activeElement !== document.body) {
        deferred = true;
        continue;
      }
      copyAttributes(next, current);
      current.replaceChildren.apply(current, Array.prototype.slice.call(next.childNodes));
    }
  }

  // The element stays (and with it its scroll position); only its attributes and children change.
  function copyAttributes(from, to) {
    var i;
    for (i = to.attributes.length - 1; i >= 0; i--) {
      if (!from.hasAttribute(to.attributes[i].name)) to.removeAttribute(to.attributes[i].name);
    }
    for (i = 0; i < from.attributes.length; i++) {
      to.setAttribute(from.attributes[i].name, from.attributes[i].value);
    }
  }

  // A region skipped because it was in use is brought up to date once it is left.
  document.addEventListener("focusout", function () {
    if (!deferred) return;
    deferred = false;
    setTimeout(refresh, 0);
  });

  // The notice after a send or a change belongs to that moment: a later fetch of the page must
  // not repeat it.
  var url = new URL(location.href);
  if (url.searchParams.has("sent") || url.searchParams.has("team")) {
    url.searchParams.delete("sent");
    url.searchParams.delete("message");
    url.searchParams.delete("team");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }

  // A filter's select applies itself; without this script its button does.
  // A saved response chosen goes into the text box to be edited and sent; without this script
  // its own button sends it as it is.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement)) return;
    if (select.hasAttribute("data-autosubmit") && select.form) {
      select.form.submit();
      return;
    }
    var target = select.getAttribute("data-fills");
    var box = target && document.getElementById(target);
    var chosen = select.selectedOptions[0];
    if (!box || !chosen || !chosen.hasAttribute("data-text")) return;
    box.value = chosen.getAttribute("data-text");
    select.value = "";
    box.focus();
  });

  connect();
})();
