// The budget meter and points total, updated as the resident chooses. The server checks
// everything again, so without JavaScript the ballot works the same, only without live totals.
(function () {
  "use strict";
  var form = document.querySelector("form[data-kind]");
  if (!form) { return; }
  var kind = form.getAttribute("data-kind");
  var format = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-GB" : "sv-SE");
  function kronor(amount) { return format.format(amount) + "\u00a0kr"; }
  if (kind === "knapsack") {
    var budget = Number(form.getAttribute("data-budget"));
    var meter = document.getElementById("budget-meter");
    var template = meter.getAttribute("data-template-left");
    var boxes = form.querySelectorAll("input[type=checkbox][data-cost]");
    var update = function () {
      var chosen = 0;
      boxes.forEach(function (box) { if (box.checked) { chosen += Number(box.getAttribute("data-cost")); } });
      meter.textContent = template.replace("%(chosen)s", kronor(chosen))
        .replace("%(budget)s", kronor(budget)).replace("%(left)s", kronor(budget - chosen));
      // Refuse to go over: what no longer fits cannot be ticked.
      boxes.forEach(function (box) {
        var fits = box.checked || chosen + Number(box.getAttribute("data-cost")) <= budget;
        box.disabled = !fits;
      });
    };
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  }
  if (kind === "cumulative") {
    var inputs = form.querySelectorAll("input[type=number]");
    var total = document.getElementById("points-total");
    var sum = function () {
      var given = 0;
      inputs.forEach(function (input) { given += Number(input.value) || 0; });
      total.textContent = String(given);
    };
    inputs.forEach(function (input) { input.addEventListener("input", sum); });
    sum();
  }
}());
