// The budget meter and points total, updated as the resident chooses. The server checks
// everything again, so without JavaScript the ballot works the same, only without live totals.
(function () {
  "use strict";
  var form = document.querySelector("form[data-kind]");
  if (!form) { return; }
  var kind = form.getAttribute("data-kind");
  // Amounts are whole öre (data-budget, data-cost), shown as the server shows them: the öre
  // only when there are some, then the unit ("kr", or the cycle's currency code).
  var locale = document.documentElement.lang === "en" ? "en-GB" : "sv-SE";
  var whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  var withOre = new Intl.NumberFormat(locale, { minimumFractionDigits: 2,
                                                maximumFractionDigits: 2 });
  var unit = form.getAttribute("data-unit") || "kr";
  function kronor(ore) {
    var shown = ore % 100 === 0 ? whole.format(ore / 100) : withOre.format(ore / 100);
    return shown + "\u00a0" + unit;
  }
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
