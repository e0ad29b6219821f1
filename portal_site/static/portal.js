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
