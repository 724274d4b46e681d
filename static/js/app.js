// Every page's behaviour, in one file the Content-Security-Policy allows (script-src 'self':
// no inline script, no inline event handler). Each enhancement is switched on by the markup
// (an id or a data- attribute), so a page without that markup is untouched.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();
document.body.addEventListener("htmx:afterSwap", (event) => initAll({ scope: event.detail.target }));

// After htmx swaps new content into a region marked `data-focus-on-swap="SELECTOR"`, move
// focus as a page load would: to the error summary (the frontend's own script focuses it) or
// else to the first element the selector names in the region (a heading with tabindex="-1").
// Marked: the introduction's action panel, the audit results, the coding check's result.
document.body.addEventListener("htmx:afterSettle", (event) => {
  const region = event.detail.target;
  if (!(region instanceof Element) || !region.matches("[data-focus-on-swap]")) return;
  if (region.querySelector(".nhsuk-error-summary")) return;
  const target = region.querySelector(region.dataset.focusOnSwap);
  if (target) target.focus();
});

// A print button needs JavaScript: it is hidden in the markup and shown only where it works
// (the assessments summary, the committee report).
for (const button of document.querySelectorAll("[data-print-page]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// The case form: "Use the suggested coding" fills the codes box in place...
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-fill-codes]");
  if (!button) return;
  const box = document.getElementById("id_codes");
  if (!box) return;
  event.preventDefault();
  box.value = button.dataset.fillCodes;
  box.focus();
  box.dispatchEvent(new Event("input", { bubbles: true }));
});

// ...and the coding check's verdict is read out (the live region #coding-status) when it changes.
document.body.addEventListener("htmx:afterSwap", (event) => {
  const status = document.getElementById("coding-status");
  if (!status || event.detail.target.id !== "coding-check") return;
  const verdict = event.detail.target.querySelector("[data-testid=coding-verdict]");
  const summary = verdict && verdict.closest("section").querySelector("p");
  const problem = event.detail.target.querySelector("[data-testid=coding-check-error] p");
  status.textContent = verdict
    ? `Coding check: ${verdict.textContent}. ${summary ? summary.textContent.trim().replace(/\s+/g, " ") : ""}`
    : problem ? problem.textContent : "";
});

// NHS.UK frontend marks a radio that reveals conditional content with aria-expanded, which
// ARIA does not allow on a radio (axe: aria-allowed-attr); GOV.UK Frontend dropped it for
// that reason. The reveal itself is unchanged: strip the attribute whenever it is set, in the
// forms marked `data-conditional-radios` (assessments, adverse events).
const strip = (input) => {
  if (input.type === "radio" && input.hasAttribute("aria-expanded")) {
    input.removeAttribute("aria-expanded");
  }
};
for (const form of document.querySelectorAll("form[data-conditional-radios]")) {
  new MutationObserver((records) => records.forEach((record) => strip(record.target))).observe(
    form, { attributes: true, attributeFilter: ["aria-expanded"], subtree: true }
  );
  form.querySelectorAll("input[aria-expanded]").forEach(strip);
}
