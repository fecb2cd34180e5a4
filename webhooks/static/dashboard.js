// The order board refreshes itself when orders change, unless someone is using a form on it.
(function () {
  "use strict";

  var board = document.querySelector(".board");
  if (!board) return;
  var note = document.getElementById("board-live");
  var POLL_MS = 4000;

  // Someone is using the page (focus on a control, an open menu): do not pull it from under them.
  function busy() {
    var active = document.activeElement;
    var focused = active && active !== document.body && active.id !== "main";
    return focused || document.querySelector("details.more[open]") !== null;
  }

  function check() {
    fetch(board.dataset.versionUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload();
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (!data || data.version === board.dataset.version) return;
        if (busy()) {
          note.textContent = "Orders changed. ";
          var link = document.createElement("a");
          link.href = window.location.href;
          link.textContent = "Show the latest";
          note.appendChild(link);
          return;
        }
        sessionStorage.setItem("chatorders-refreshed", "1");
        window.location.reload();
      })
      .catch(function () {});
  }

  if (sessionStorage.getItem("chatorders-refreshed")) {
    sessionStorage.removeItem("chatorders-refreshed");
    note.textContent = "Board updated.";
  }
  setInterval(check, POLL_MS);
})();
