// Keyboard shortcuts for the review page. Everything here is a shortcut for a control that
// works without JavaScript: radios, links and the submit button.
(function () {
  "use strict";
  var STANCE_KEYS = "12345";

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) &&
      !/^(radio|checkbox|submit|button)$/.test(el.type || ""));
  }

  function citations() { return Array.prototype.slice.call(document.querySelectorAll("[data-citation]")); }

  var current = 0;
  function mark(index) {
    var list = citations();
    if (!list.length) { return; }
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (el, i) { el.classList.toggle("current", i === current); });
  }

  function toggleHelp(show) {
    var help = document.getElementById("keys-help");
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) { help.focus(); }
  }

  document.addEventListener("focusin", function (event) {
    var list = citations();
    for (var i = 0; i < list.length; i++) {
      if (list[i].contains(event.target)) { mark(i); return; }
    }
  });

  document.addEventListener("click", function (event) {
    var use = event.target.closest("[data-use-quote]");
    if (use && use.form) {
      // Copy the passage into its source's quote (and page) without leaving the page; without
      // JavaScript the button submits and the server fills the same fields.
      event.preventDefault();
      var id = use.getAttribute("data-use-quote");
      var quote = use.form.querySelector('[name="quote_' + id + '"]');
      var page = use.form.querySelector('[name="page_' + id + '"]');
      if (quote) { quote.value = use.getAttribute("data-quote"); quote.focus(); }
      if (page && use.getAttribute("data-page")) { page.value = use.getAttribute("data-page"); }
      return;
    }
    if (event.target.closest("[data-show-help]")) { toggleHelp(); }
    if (event.target.closest("[data-close-help]")) { toggleHelp(false); }
  });

  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("review-form");
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (form) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
      return;
    }
    if (event.key === "Escape") {
      if (typing(document.activeElement)) { document.activeElement.blur(); }
      toggleHelp(false);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }

    var key = event.key;
    if (key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (key === "j" || key === "k") {
      var link = document.querySelector('a[data-key="' + key + '"]');
      if (link) { event.preventDefault(); window.location.href = link.href; }
      return;
    }
    if (!form) { return; }
    if (key === "/") {
      var rationale = form.querySelector("textarea[name=rationale]");
      if (rationale) { event.preventDefault(); rationale.focus(); }
      return;
    }
    var verdict = { c: "corroborated", d: "disputed", r: "refuted" }[key];
    if (verdict) {
      var radio = form.querySelector('input[name=verdict][value="' + verdict + '"]');
      if (radio) { event.preventDefault(); radio.checked = true; radio.focus(); }
      return;
    }
    var n = STANCE_KEYS.indexOf(key);
    if (n >= 0) {
      var list = citations();
      if (!list.length) { return; }
      var radios = list[current].querySelectorAll("input[type=radio]");
      // radios[0] is "Not assessed"; 1-5 are the five stances in order.
      if (radios[n + 1]) {
        event.preventDefault();
        radios[n + 1].checked = true;
        var next = Math.min(current + 1, list.length - 1);
        mark(next);
        list[next].focus();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    mark(0);
    var conflict = document.getElementById("conflict");
    if (conflict) { conflict.setAttribute("tabindex", "-1"); conflict.focus(); }
  });
})();
