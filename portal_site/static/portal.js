// Progressive enhancement only: every flow works without this file.
// A submit button marked data-once is disabled after the first click, so an impatient
// double click sends one request (the server's idempotency key covers the rest).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = form.querySelector("button[data-once]");
  if (button) {
    window.setTimeout(function () { button.disabled = true; }, 0);
  }
});

// The Pay button names the amount the page was drawn with; once the amount is edited, the
// button says just "Pay" rather than a figure the server has not read yet.
document.addEventListener("input", function (event) {
  var input = event.target;
  if (input.name !== "amount" || !input.form) { return; }
  var button = input.form.querySelector("button[data-amount-label]");
  if (button) { button.textContent = button.getAttribute("data-amount-label"); }
});
