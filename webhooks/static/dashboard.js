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
        if (response.status === 401 || response.status === 403) {
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

  // Each card's age ticks on; an open order turns amber after 10 min and red after 20.
  var OPEN = ["pending", "confirmed", "preparing", "on_hold"];
  function ageText(seconds) {
    if (seconds < 60) return "just now";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h";
    return Math.floor(seconds / 86400) + " d";
  }
  function tick() {
    var now = Date.now();
    board.querySelectorAll("time[data-elapsed]").forEach(function (time) {
      var seconds = Math.max(0, Math.floor((now - Date.parse(time.getAttribute("datetime"))) / 1000));
      var text = ageText(seconds);
      time.textContent = text;
      var after = time.nextSibling;
      if (!after) after = time.parentNode.appendChild(document.createTextNode(""));
      after.textContent = text === "just now" ? "" : " ago";
      var card = time.closest(".card");
      var column = time.closest(".column");
      if (card && column && OPEN.indexOf(column.dataset.status) !== -1) {
        var minutes = seconds / 60;
        card.dataset.level = minutes >= 20 ? "red" : minutes >= 10 ? "amber" : "ok";
      }
    });
  }
  tick();
  setInterval(tick, 30000);

  if (sessionStorage.getItem("chatorders-refreshed")) {
    sessionStorage.removeItem("chatorders-refreshed");
    note.textContent = "Board updated.";
  }
  setInterval(check, POLL_MS);
})();
