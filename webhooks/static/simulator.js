// The simulator's two phones: poll each thread, send through the signed webhook, show ticks.
(function () {
  "use strict";

  var root = document.querySelector(".phones");
  if (!root) return;
  var tenant = root.dataset.tenant;
  var POLL_MS = 1500;

  var TICKS = {
    received: ["✓✓", "delivered to the business", "delivered"],
    pending: ["🕓", "waiting to be sent", "pending"],
    queued: ["🕓", "queued", "pending"],
    accepted: ["🕓", "queued", "pending"],
    sending: ["🕓", "sending", "pending"],
    sent: ["✓", "sent", "sent"],
    delivered: ["✓✓", "delivered", "delivered"],
    read: ["✓✓", "read", "read"],
    failed: ["!", "failed", "failed"],
    undelivered: ["!", "not delivered", "failed"],
    dead: ["!", "gave up sending", "failed"],
    needs_template: ["!", "needs an approved template", "failed"],
  };

  function ticks(status) {
    var t = TICKS[status] || ["", status, "pending"];
    var span = document.createElement("span");
    span.className = "ticks ticks-" + t[2];
    span.textContent = t[0];
    span.title = t[1];
    span.setAttribute("aria-label", t[1]);
    return span;
  }

  function postJSON(url, data) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var message = (body && body.error && body.error.message) || "HTTP " + response.status;
          throw new Error(message);
        }
        return body;
      });
    });
  }

  function Phone(role, currentNumber) {
    this.el = document.getElementById("phone-" + role);
    this.role = role;
    this.number = currentNumber;
    this.thread = this.el.querySelector(".thread");
    this.error = this.el.querySelector(".phone-error");
    this.input = this.el.querySelector("textarea");
    this.lastId = 0;
    this.generation = 0;
    this.bubbles = {};
    this.busy = false;
    var self = this;
    this.el.querySelector(".composer").addEventListener("submit", function (event) {
      event.preventDefault();
      self.send(self.input.value);
    });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        self.send(self.input.value);
      }
    });
    this.el.querySelectorAll(".chip").forEach(function (chip) {
      chip.addEventListener("click", function () {
        self.send(chip.dataset.text);
      });
    });
  }

  Phone.prototype.reset = function () {
    this.generation += 1;
    this.lastId = 0;
    this.bubbles = {};
    this.thread.textContent = "";
    this.error.textContent = "";
    this.poll();
  };

  Phone.prototype.bubble = function (message) {
    var div = document.createElement("div");
    div.className = "msg " + (message.mine ? "mine" : "theirs");
    if (message.id) div.dataset.id = message.id;
    div.dataset.status = message.status;
    var body = document.createElement("div");
    body.className = "body";
    body.innerHTML = message.html; // server-rendered: the text was HTML-escaped before formatting
    var meta = document.createElement("span");
    meta.className = "meta";
    var time = document.createElement("time");
    time.textContent = message.time;
    meta.appendChild(time);
    meta.appendChild(ticks(message.status));
    div.appendChild(body);
    div.appendChild(meta);
    return div;
  };

  Phone.prototype.append = function (node) {
    var nearBottom =
      this.thread.scrollHeight - this.thread.scrollTop - this.thread.clientHeight < 120;
    this.thread.appendChild(node);
    if (nearBottom || node.classList.contains("mine")) this.thread.scrollTop = this.thread.scrollHeight;
  };

  Phone.prototype.setStatus = function (id, status) {
    var node = this.bubbles[id];
    if (!node || node.dataset.status === status) return;
    node.dataset.status = status;
    var meta = node.querySelector(".meta");
    meta.replaceChild(ticks(status), meta.querySelector(".ticks"));
  };

  Phone.prototype.poll = function () {
    var self = this;
    var generation = this.generation;
    var url =
      root.dataset.messagesUrl +
      "?tenant=" + encodeURIComponent(tenant) +
      "&phone=" + encodeURIComponent(this.number) +
      "&after=" + this.lastId;
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (generation !== self.generation) return;
        var unread = [];
        (data.messages || []).forEach(function (message) {
          if (self.bubbles[message.id]) return;
          self.el.querySelectorAll(".msg.transient").forEach(function (node) {
            if (node.querySelector(".body").innerHTML === message.html) node.remove();
          });
          var node = self.bubble(message);
          self.bubbles[message.id] = node;
          self.append(node);
          self.lastId = Math.max(self.lastId, message.id);
          if (!message.mine && (message.status === "sent" || message.status === "delivered")) {
            unread.push(message.id);
          }
        });
        Object.keys(data.statuses || {}).forEach(function (id) {
          self.setStatus(id, data.statuses[id]);
        });
        if (unread.length && document.visibilityState === "visible") {
          postJSON(root.dataset.readUrl, { ids: unread }).catch(function () {});
        }
      })
      .catch(function () {});
  };

  Phone.prototype.send = function (text) {
    var self = this;
    text = (text || "").trim();
    if (!text || this.busy) return;
    this.busy = true;
    this.error.textContent = "";
    var name = document.getElementById("customer-name");
    postJSON(root.dataset.sendUrl, {
      tenant: tenant,
      phone: this.number,
      body: text,
      name: this.role === "customer" && name ? name.value : "Staff",
    })
      .then(function (answer) {
        self.input.value = "";
        (answer.replies || []).forEach(function (html) {
          var node = self.bubble({ mine: false, html: escapeText(html), status: "sent", time: "" });
          node.classList.add("transient");
          self.append(node);
        });
        return self.poll();
      })
      .catch(function (err) {
        self.error.textContent = "Not sent: " + err.message;
      })
      .then(function () {
        self.busy = false;
        self.input.focus();
      });
  };

  function escapeText(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML.replace(/\n/g, "<br>");
  }

  var select = document.getElementById("customer-phone");
  var customer = new Phone("customer", select.value);
  var staff = new Phone("staff", document.getElementById("staff-phone").value);

  select.addEventListener("change", function () {
    customer.number = select.value;
    customer.reset();
  });
  document.getElementById("new-customer").addEventListener("click", function () {
    fetch(root.dataset.newCustomerUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var option = document.createElement("option");
        option.value = option.textContent = data.phone;
        select.appendChild(option);
        select.value = data.phone;
        customer.number = data.phone;
        document.getElementById("customer-name").value = "";
        customer.reset();
        customer.input.focus();
      });
  });

  [customer, staff].forEach(function (phone) {
    phone.poll();
    setInterval(function () { phone.poll(); }, POLL_MS);
  });
})();
