// OppHub page glue: CSRF for htmx requests, and small helpers shared by pages.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// A select that submits its form when changed (the language switch): no inline handlers, so the
// Content-Security-Policy can forbid inline script.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
    target.form.submit();
  }
});

// A region that scrolls sideways (a wide table on a phone, the board) must be reachable by keyboard to
// be scrolled without a mouse (WCAG 2.1.1): make it focusable while it overflows.
function focusableScrollers() {
  for (const el of document.querySelectorAll(".table-wrap, .board, table.table")) {
    const scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls && !el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
      el.dataset.scrollFocus = "1";
    } else if (!scrolls && el.dataset.scrollFocus) {
      el.removeAttribute("tabindex");
      delete el.dataset.scrollFocus;
    }
  }
}
document.addEventListener("DOMContentLoaded", focusableScrollers);
window.addEventListener("resize", focusableScrollers);
