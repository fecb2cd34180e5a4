// The kitchen screen: elapsed minutes tick and colour; new orders chime, flash the title and appear.
(function () {
  "use strict";

  var list = document.getElementById("tickets");
  if (!list) return;
  var note = document.getElementById("kitchen-live");
  var soundButton = document.getElementById("kitchen-sound");
  var POLL_MS = 4000;
  var amber = Number(list.dataset.amber);
  var red = Number(list.dataset.red);
  var title = document.title;
  var flashTimer = null;
  var audio = null;

  function numbers() {
    return Array.prototype.map.call(list.querySelectorAll(".ticket"), function (t) {
      return Number(t.dataset.order);
    });
  }
  var seen = numbers();

  // Minutes since each order was placed, and the ticket's colour for that age.
  function tick() {
    var now = Date.now();
    list.querySelectorAll(".ticket").forEach(function (t) {
      var minutes = Math.max(0, Math.floor((now - Date.parse(t.dataset.created)) / 60000));
      t.querySelector(".mins").textContent = String(minutes);
      var level = minutes >= red ? "red" : minutes >= amber ? "amber" : "ok";
      t.classList.remove("level-ok", "level-amber", "level-red");
      t.classList.add("level-" + level);
    });
  }

  // Browsers allow sound only after a tap on the page: the button turns it on.
  function chime() {
    if (!audio) return;
    [0, 0.25].forEach(function (delay) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.3, audio.currentTime + delay);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + delay + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + delay);
      osc.stop(audio.currentTime + delay + 0.2);
    });
  }

  function flashTitle(text) {
    var on = false;
    var left = 20;
    clearInterval(flashTimer);
    flashTimer = setInterval(function () {
      on = !on;
      document.title = on ? text : title;
      if (--left <= 0 || (document.hasFocus() && left < 12)) {
        clearInterval(flashTimer);
        document.title = title;
      }
    }, 700);
  }

  function refresh() {
    return fetch(list.dataset.fragmentUrl, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        list.innerHTML = html;
        document.querySelector("[data-testid=ticket-count]").textContent = String(numbers().length);
        tick();
      });
  }

  function check() {
    fetch(list.dataset.pollUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          window.location.reload();
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        if (!data || data.version === list.dataset.version) return;
        list.dataset.version = data.version;
        var fresh = data.numbers.filter(function (n) { return seen.indexOf(n) === -1; });
        seen = data.numbers;
        return refresh().then(function () {
          if (!fresh.length) return;
          var text = "New order #" + fresh.join(", #");
          note.textContent = text;
          fresh.forEach(function (n) {
            var t = list.querySelector('.ticket[data-order="' + n + '"]');
            if (t) t.classList.add("is-new");
          });
          chime();
          flashTitle("\u25CF " + text);
        });
      })
      .catch(function () {});
  }

  function soundOn() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume();
    soundButton.setAttribute("aria-pressed", "true");
    soundButton.textContent = "Sound on";
  }
  soundButton.addEventListener("click", function () {
    soundOn();
    localStorage.setItem("chatorders-kitchen-sound", "1");
    chime();
  });
  // Remembered from an earlier visit: the first touch anywhere wakes the sound up again.
  if (localStorage.getItem("chatorders-kitchen-sound")) {
    soundButton.textContent = "Sound: tap the screen once to wake it";
    document.addEventListener("pointerdown", soundOn, { once: true });
  }

  // A tap moves the ticket without reloading the page (the sound stays on); the server's answer
  // is the kitchen page again, or the question before an unpaid pickup is handed over.
  list.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    event.preventDefault();
    var data = new FormData(form);
    if (button && button.name) data.append(button.name, button.value);
    if (button) button.disabled = true;
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (new URL(response.url).pathname !== new URL(list.dataset.fragmentUrl, response.url).pathname) {
          window.location.href = response.url;
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("tickets");
        var flash = page.querySelector(".flash");
        if (!fresh) return;
        list.innerHTML = fresh.innerHTML;
        list.dataset.version = fresh.dataset.version;
        seen = numbers();
        document.querySelector("[data-testid=ticket-count]").textContent = String(seen.length);
        note.textContent = flash ? flash.textContent : "";
        tick();
      })
      .catch(function () { window.location.reload(); });
  });

  tick();
  setInterval(tick, 15000);
  setInterval(check, POLL_MS);
})();
