// Opportunity create form: default industry and company size from the chosen customer (S1), unless
// already changed by hand. (A static file, not an inline script: the Content-Security-Policy allows
// scripts from this server only.)
(function () {
  "use strict";
  function init() {
    const customer = document.getElementById("id_customer");
    const industry = document.getElementById("id_industry");
    const size = document.getElementById("id_company_size");
    if (!customer || !industry || !size) return;
    const touched = new Set();
    industry.addEventListener("change", () => touched.add("industry"));
    size.addEventListener("change", () => touched.add("size"));
    customer.addEventListener("change", () => {
      const option = customer.selectedOptions[0];
      if (!option) return;
      if (!touched.has("industry") && option.dataset.industry) industry.value = option.dataset.industry;
      if (!touched.has("size") && option.dataset.size) size.value = option.dataset.size;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
