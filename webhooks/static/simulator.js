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
    if (message.tapped) div.classList.add("tapped");
    var self = this;
    (message.images || []).forEach(function (src) {
      var img = document.createElement("img");
      img.className = "picture";
      img.src = src; // a path on this server (the view keeps no other)
      img.alt = "Picture sent";
      div.appendChild(img);
    });
    if (message.location) div.appendChild(pin(message.location));
    var body = document.createElement("div");
    body.className = "body";
    body.innerHTML = message.html; // server-rendered: the text was HTML-escaped before formatting
    div.appendChild(body);
    if (message.buttons) div.appendChild(this.replyButtons(message));
    if (message.list) div.appendChild(this.listPicker(message));
    if (message.error) {
      var code = document.createElement("span");
      code.className = "error-code";
      code.textContent = "Twilio error " + message.error;
      div.appendChild(code);
    }
    var meta = document.createElement("span");
    meta.className = "meta";
    var time = document.createElement("time");
    time.textContent = message.time;
    meta.appendChild(time);
    meta.appendChild(ticks(message.status));
    div.appendChild(meta);
    return div;
  };

  function pin(location) {
    var box = document.createElement("div");
    box.className = "pin";
    var map = document.createElement("span");
    map.className = "pin-map";
    map.textContent = "📍";
    map.setAttribute("aria-hidden", "true");
    var text = document.createElement("div");
    var label = document.createElement("strong");
    label.textContent = location.label || "Location";
    var address = document.createElement("small");
    address.textContent = location.address;
    var where = document.createElement("small");
    where.textContent = location.latitude + ", " + location.longitude;
    text.appendChild(label);
    text.appendChild(address);
    text.appendChild(where);
    box.appendChild(map);
    box.appendChild(text);
    return box;
  }

  Phone.prototype.replyButtons = function (message) {
    var self = this;
    var box = document.createElement("div");
    box.className = "buttons";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Reply buttons");
    message.buttons.forEach(function (button) {
      var node = document.createElement("button");
      node.type = "button";
      node.className = "reply-button";
      node.textContent = button.title;
      node.dataset.id = button.id;
      node.addEventListener("click", function () { self.tap(message.id, button.id); });
      box.appendChild(node);
    });
    return box;
  };

  Phone.prototype.listPicker = function (message) {
    var self = this;
    var box = document.createElement("div");
    box.className = "buttons";
    var open = document.createElement("button");
    open.type = "button";
    open.className = "list-open";
    open.textContent = "☰ " + message.list.button;
    open.setAttribute("aria-expanded", "false");
    var items = document.createElement("ul");
    items.className = "list-items";
    items.hidden = true;
    message.list.items.forEach(function (item) {
      var li = document.createElement("li");
      var node = document.createElement("button");
      node.type = "button";
      node.className = "list-item";
      node.dataset.id = item.id;
      node.textContent = item.title;
      if (item.description) {
        var small = document.createElement("small");
        small.textContent = item.description;
        node.appendChild(small);
      }
      node.addEventListener("click", function () {
        items.hidden = true;
        open.setAttribute("aria-expanded", "false");
        self.tap(message.id, item.id);
      });
      li.appendChild(node);
      items.appendChild(li);
    });
    open.addEventListener("click", function () {
      items.hidden = !items.hidden;
      open.setAttribute("aria-expanded", items.hidden ? "false" : "true");
    });
    box.appendChild(open);
    box.appendChild(items);
    return box;
  };

  Phone.prototype.tap = function (messageId, id) {
    this.post(root.dataset.tapUrl, { message_id: messageId, id: id });
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
        if (data.name && self.role === "customer") {
          document.getElementById("customer-name").value = data.name;
        }
        var unread = [];
        (data.messages || []).forEach(function (message) {
          if (self.bubbles[message.id]) return;
          var failing = self.maybeFail(message.id, message.status, message.failable && !message.mine);
          self.el.querySelectorAll(".msg.transient").forEach(function (node) {
            if (node.querySelector(".body").innerHTML === message.html) node.remove();
          });
          var node = self.bubble(message);
          self.bubbles[message.id] = node;
          self.append(node);
          self.lastId = Math.max(self.lastId, message.id);
          if (!failing && !message.mine && (message.status === "sent" || message.status === "delivered")) {
            unread.push(message.id);
          }
        });
        Object.keys(data.statuses || {}).forEach(function (id) {
          var node = self.bubbles[id];
          var before = node ? node.dataset.status : null;
          self.setStatus(id, data.statuses[id]);
          if (node && before !== "sent" && data.statuses[id] === "sent" && node.classList.contains("theirs")) {
            if (!self.maybeFail(Number(id), "sent", true)) unread.push(Number(id));
          }
        });
        if (unread.length && document.visibilityState === "visible") {
          postJSON(root.dataset.readUrl, { ids: unread }).catch(function () {});
        }
      })
      .catch(function () {});
  };

  // "The next message fails with": the first outbound message Twilio accepted (it has a
  // sid) that arrives or reaches "sent" is reported failed through the status callback.
  Phone.prototype.maybeFail = function (id, status, failable) {
    var select = this.role === "customer" ? document.getElementById("fail-next") : null;
    if (!select || !select.value || !failable || ["sent", "queued", "accepted"].indexOf(status) < 0) {
      return false;
    }
    var code = Number(select.value);
    select.value = "";
    var self = this;
    postJSON(root.dataset.failUrl, { id: id, code: code })
      .then(function (answer) {
        var node = self.bubbles[id];
        if (node && answer.status === "failed" && !node.querySelector(".error-code")) {
          var label = document.createElement("span");
          label.className = "error-code";
          label.textContent = "Twilio error " + code;
          node.insertBefore(label, node.querySelector(".meta"));
        }
        return self.poll();
      })
      .catch(function (err) { self.error.textContent = "Could not fail it: " + err.message; });
    return true; // the bubble is still shown; "read" is not reported for it
  };

  Phone.prototype.send = function (text) {
    text = (text || "").trim();
    if (!text) return;
    var self = this;
    this.post(root.dataset.sendUrl, { body: text }, function () { self.input.value = ""; });
  };

  // Post something from this phone (text, tap, location, picture) through the signed webhook.
  Phone.prototype.post = function (url, fields, done) {
    var self = this;
    if (this.busy) return;
    this.busy = true;
    this.error.textContent = "";
    var name = document.getElementById("customer-name");
    var data = {
      tenant: tenant,
      phone: this.number,
      name: this.role === "customer" && name ? name.value : "Staff",
    };
    Object.keys(fields).forEach(function (key) { data[key] = fields[key]; });
    postJSON(url, data)
      .then(function (answer) {
        if (done) done();
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
    document.getElementById("customer-name").value = ""; // the number's own name follows
    customer.reset();
  });
  document.getElementById("share-location").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target.elements;
    customer.post(root.dataset.locationUrl, {
      latitude: Number(form.latitude.value),
      longitude: Number(form.longitude.value),
      address: form.address.value,
      label: form.label.value,
    });
  });
  document.getElementById("send-image").addEventListener("submit", function (event) {
    event.preventDefault();
    customer.post(root.dataset.imageUrl, { body: event.target.elements.body.value });
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
