// The shop page: typing hours for a weekday unticks "Open all day" (the hours are meant).
(function () {
  "use strict";
  var always = document.getElementById("always_open");
  if (!always) return;
  document.querySelectorAll("input[name^='hours_']").forEach(function (field) {
    field.addEventListener("input", function () {
      if (field.value.trim()) always.checked = false;
    });
  });
})();
