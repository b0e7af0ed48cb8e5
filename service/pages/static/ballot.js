// The ballot's summary kept current as the resident chooses: the budget left and the bar, which
// proposals no longer fit and why, the points given. Nothing is ever disabled: a proposal that
// does not fit stays in the Tab order and says so in its label, and ticking it is refused with
// a word in the summary (read out, aria-live). The server checks everything again, so without
// JavaScript the ballot works the same, with the summary as the page was sent.
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
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }
  var boxes = form.querySelectorAll("input[type=checkbox][data-cost]");
  function chosenBoxes() {
    return Array.prototype.filter.call(boxes, function (box) { return box.checked; });
  }
  if (kind === "knapsack") {
    var budget = Number(form.getAttribute("data-budget"));
    var meter = document.getElementById("budget-meter");
    var bar = document.getElementById("budget-bar");
    var spentOn = function () {
      return chosenBoxes().reduce(function (sum, box) {
        return sum + Number(box.getAttribute("data-cost"));
      }, 0);
    };
    var fits = function (box, spent) {
      return box.checked || spent + Number(box.getAttribute("data-cost")) <= budget;
    };
    var update = function () {
      var spent = spentOn();
      var left = budget - spent;
      meter.textContent = left >= 0
        ? fill(meter.getAttribute("data-template-left"),
               { chosen: kronor(spent), budget: kronor(budget), left: kronor(left) })
        : fill(meter.getAttribute("data-template-over"),
               { chosen: kronor(spent), budget: kronor(budget), over: kronor(-left) });
      bar.value = Math.min(spent, budget);
      bar.textContent = kronor(spent);
      boxes.forEach(function (box) {
        var fit = document.getElementById("fit-" + box.value);
        var ok = fits(box, spent);
        box.setAttribute("aria-disabled", ok ? "false" : "true");
        fit.textContent = ok ? "" : fill(fit.getAttribute("data-template"),
                                         { left: kronor(Math.max(left, 0)) });
      });
    };
    boxes.forEach(function (box) {
      box.addEventListener("click", function (event) {
        var spent = spentOn() - (box.checked ? Number(box.getAttribute("data-cost")) : 0);
        if (box.checked && spent + Number(box.getAttribute("data-cost")) > budget) {
          // Refused, with the reason where a screen reader hears it.
          event.preventDefault();
          meter.textContent = fill(meter.getAttribute("data-template-blocked"), {
            title: box.getAttribute("data-title"), left: kronor(Math.max(budget - spent, 0)) });
        }
      });
      box.addEventListener("change", update);
    });
    update();
  }
  if (kind === "approval") {
    var counter = document.getElementById("choice-meter");
    var most = Number(form.getAttribute("data-max"));
    if (counter && most) {
      var count = function () {
        counter.textContent = fill(counter.getAttribute("data-template"),
                                   { count: String(chosenBoxes().length), max: String(most) });
      };
      boxes.forEach(function (box) {
        box.addEventListener("click", function (event) {
          if (box.checked && chosenBoxes().length > most) {
            event.preventDefault();
            counter.textContent = fill(counter.getAttribute("data-template-blocked"),
                                       { max: String(most) });
          }
        });
        box.addEventListener("change", count);
      });
    }
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
