// Small progressive enhancements; every page works without them.
document.addEventListener("click", function (event) {
  // ICD-10 search-as-you-type: picking a suggestion fills the code field.
  var button = event.target.closest("[data-icd-code]");
  if (!button) return;
  var list = button.closest(".suggestions");
  var field = list && list.parentElement.querySelector("input[name=code]");
  if (field) {
    field.value = button.getAttribute("data-icd-code");
    field.setAttribute("aria-expanded", "false");
    field.focus();
  }
  list.innerHTML = "";
});
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target.id === "icd10-results") {
    var field = event.detail.target.parentElement.querySelector("input[name=code]");
    if (field) field.setAttribute("aria-expanded", event.detail.target.children.length ? "true" : "false");
  }
});
