// The workbench's one script, no framework. Everything here helps with a control that works
// without JavaScript: keys for radios, links and buttons; the suggestion kept in step with the
// stances (the server gives the same answer on "Update the suggestion"); a question before
// unsaved input is left behind; focus moved to what the page says went wrong.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // --- The suggestion rule -------------------------------------------------------------------
  // A mirror of claims/verdicts.py suggest_verdict and claims/services/rules.py
  // rationale_required over the constants the page ships (#suggestion-rule).
  // tests/browser/test_suggestion.py runs both over every combination and fails if they differ.
  var RULE = null;
  function rule() {
    if (RULE === null) {
      var data = document.getElementById("suggestion-rule");
      RULE = data ? JSON.parse(data.textContent) : false;
    }
    return RULE;
  }

  function sources(count, verb, which) {
    return count === 1 ? "1 source" + (which || "") + " " + verb + "s"
      : count + " sources" + (which || "") + " " + verb;
  }

  // pairs: [[stance, reliability], ...]; returns {verdict: "refuted" | ... | null, reason}.
  function suggestVerdict(pairs) {
    var unreliable = rule().unreliable;
    var supports = 0, credible = 0, refutes = 0, disputes = 0;
    pairs.forEach(function (pair) {
      if (pair[0] === "supports") {
        supports += 1;
        if (unreliable.indexOf(pair[1]) < 0) { credible += 1; }
      } else if (pair[0] === "refutes") {
        refutes += 1;
      } else if (pair[0] === "disputes") {
        disputes += 1;
      }
    });
    if (refutes && !supports) {
      return { verdict: "refuted", reason: sources(refutes, "refute") + " it and none supports it" };
    }
    if (refutes && supports) {
      return { verdict: "disputed",
        reason: sources(supports, "support") + " it but " + sources(refutes, "refute") + " it" };
    }
    if (disputes) { return { verdict: "disputed", reason: sources(disputes, "dispute") + " it" }; }
    if (credible) {
      return { verdict: "corroborated",
        reason: sources(credible, "support", " not rated unreliable") + " it and none refutes it" };
    }
    if (supports) {
      return { verdict: null, reason: "only generally unreliable or deprecated sources support " +
        "it, and they never corroborate on their own" };
    }
    return { verdict: null, reason: "no source has been assessed as saying anything about it" };
  }

  function suggestionLabel(suggestion) {
    return suggestion.verdict ? rule().labels[suggestion.verdict] : "No suggestion";
  }

  // Why a rationale is required for this decision, or "" if it is not.
  function rationaleRequired(verdict, current, suggestion) {
    var unreviewed = rule().unreviewed;
    if (verdict === "disputed" || verdict === "refuted") {
      return "A rationale is required to mark a claim " + verdict + ".";
    }
    if (current !== unreviewed && verdict !== current) {
      return "A rationale is required to change the verdict from " + current + ".";
    }
    if (verdict !== (suggestion.verdict || unreviewed) && verdict !== unreviewed) {
      return "A rationale is required when the verdict differs from the suggestion (" +
        suggestionLabel(suggestion).toLowerCase() + ").";
    }
    return "";
  }

  window.workbenchRule = { suggest: suggestVerdict, rationaleRequired: rationaleRequired };

  // --- The review form -----------------------------------------------------------------------
  function reviewForm() { return document.getElementById("review-form"); }
  function citations() { return Array.prototype.slice.call(document.querySelectorAll("[data-citation]")); }

  function badge(verdict, label) {
    // The same markup as templates/claims/verdict_badge.html.
    var icons = { corroborated: "\u2713", disputed: "\u2248", refuted: "\u2717" };
    var outer = document.createElement("span");
    outer.className = "badge badge-" + verdict;
    var icon = document.createElement("span");
    icon.className = "badge-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = icons[verdict] || "\u25cb";
    outer.appendChild(icon);
    outer.appendChild(document.createTextNode(" " + label));
    return outer;
  }

  function refresh() {
    var form = reviewForm();
    if (!form || !rule()) { return; }
    var pairs = citations().map(function (fieldset) {
      var checked = fieldset.querySelector("input[type=radio]:checked");
      var stance = (checked && checked.value) || fieldset.getAttribute("data-saved-stance") || "";
      return [stance, fieldset.getAttribute("data-reliability")];
    });
    var suggestion = suggestVerdict(pairs);
    var verdictEl = document.getElementById("suggestion-verdict");
    var reasonEl = document.getElementById("suggestion-reason");
    if (verdictEl && reasonEl) {
      verdictEl.textContent = "";
      if (suggestion.verdict) {
        verdictEl.appendChild(badge(suggestion.verdict, suggestionLabel(suggestion)));
      } else {
        var strong = document.createElement("strong");
        strong.textContent = "No suggestion";
        verdictEl.appendChild(strong);
      }
      reasonEl.textContent = suggestion.reason;
    }
    var hint = document.getElementById("rationale-hint");
    if (hint) {
      var chosen = form.querySelector("input[name=verdict]:checked");
      if (!chosen) {
        hint.textContent = hint.getAttribute("data-default");
      } else {
        var why = rationaleRequired(chosen.value, form.getAttribute("data-current-verdict"), suggestion);
        hint.textContent = why ? "Required: " + why
          : "Optional: agreeing with the suggestion needs no rationale.";
      }
    }
  }

  var current = 0;
  function mark(index) {
    var list = citations();
    if (!list.length) { return; }
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (el, i) { el.classList.toggle("current", i === current); });
  }

  // --- Unsaved input -------------------------------------------------------------------------
  // A form marked data-guard holds input worth keeping. Leaving the page while one differs from
  // what the page was drawn with (or was drawn with a restored draft: data-dirty) asks first.
  var leaving = false;

  function dirty(form) {
    if (form.hasAttribute("data-dirty")) { return true; }
    return Array.prototype.some.call(form.elements, function (el) {
      if (el.type === "hidden" || el.type === "submit" || el.type === "button") { return false; }
      if (el.type === "radio" || el.type === "checkbox") { return el.checked !== el.defaultChecked; }
      if (el.tagName === "SELECT") {
        var options = Array.prototype.slice.call(el.options);
        if (el.multiple) {
          return options.some(function (o) { return o.selected !== o.defaultSelected; });
        }
        // A single select with no option marked selected starts on its first option.
        var marked = options.filter(function (o) { return o.defaultSelected; });
        var initial = marked.length ? marked[marked.length - 1] : options[0];
        return el.selectedIndex >= 0 && options[el.selectedIndex] !== initial;
      }
      return typeof el.value === "string" && el.value !== el.defaultValue;
    });
  }

  function unsaved(except) {
    return Array.prototype.filter.call(document.querySelectorAll("form[data-guard]"), function (form) {
      return form !== except && dirty(form);
    });
  }

  function mayLeave(except) {
    if (!unsaved(except).length) { return true; }
    return window.confirm("You have typed or chosen something on this page that is not saved. Leave it anyway?");
  }

  window.addEventListener("beforeunload", function (event) {
    if (!leaving && unsaved(null).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("submit", function (event) {
    // A guarded form takes its own input along (the review form carries it through every
    // action posted with it); another form's submission would leave that input behind.
    if (!mayLeave(event.target)) { event.preventDefault(); return; }
    leaving = true;
  });

  // --- The keys dialog -----------------------------------------------------------------------
  var returnFocus = null;
  function help() { return document.getElementById("keys-help"); }
  function helpOpen() { var h = help(); return h && !h.hidden; }

  function toggleHelp(show) {
    var dialog = help();
    if (!dialog) { return; }
    var open = show === undefined ? dialog.hidden : show;
    if (open && dialog.hidden) {
      returnFocus = document.activeElement;
      dialog.hidden = false;
      dialog.focus();
    } else if (!open && !dialog.hidden) {
      dialog.hidden = true;
      if (returnFocus && document.contains(returnFocus)) { returnFocus.focus(); }
      returnFocus = null;
    }
  }

  function trapFocus(event) {
    // aria-modal: Tab stays in the dialog until it closes.
    var dialog = help();
    var items = [dialog].concat(Array.prototype.slice.call(dialog.querySelectorAll("button, a[href]")));
    var index = items.indexOf(document.activeElement);
    var next = (index + (event.shiftKey ? -1 : 1) + items.length) % items.length;
    event.preventDefault();
    items[next].focus();
  }

  // --- Events --------------------------------------------------------------------------------
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) &&
      !/^(radio|checkbox|submit|button)$/.test(el.type || ""));
  }

  document.addEventListener("focusin", function (event) {
    var list = citations();
    for (var i = 0; i < list.length; i++) {
      if (list[i].contains(event.target)) { mark(i); return; }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.name === "verdict" || /^stance_/.test(event.target.name || "")) { refresh(); }
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
    var form = reviewForm();
    if (helpOpen()) {
      if (event.key === "Escape" || event.key === "?") { event.preventDefault(); toggleHelp(false); }
      else if (event.key === "Tab") { trapFocus(event); }
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (form) { event.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.submit(); }
      return;
    }
    if (event.key === "Enter" && event.target.hasAttribute && event.target.hasAttribute("data-no-enter")) {
      // The attribution reason sits in the review form: Enter there would record the decision.
      event.preventDefault();
      return;
    }
    if (event.key === "Escape") {
      if (typing(document.activeElement)) { document.activeElement.blur(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }

    var key = event.key;
    if (key === "?") { toggleHelp(true); event.preventDefault(); return; }
    if (key === "j" || key === "k") {
      var link = document.querySelector('a[data-key="' + key + '"]');
      if (link) {
        event.preventDefault();
        if (mayLeave(null)) { leaving = true; window.location.href = link.href; }
      }
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
      if (radio) { event.preventDefault(); radio.checked = true; radio.focus(); refresh(); }
      return;
    }
    var n = "12345".indexOf(key);
    if (n >= 0 && rule()) {
      var list = citations();
      if (!list.length) { return; }
      var choice = list[current].querySelector('input[type=radio][value="' + rule().stances[n] + '"]');
      if (choice) {
        event.preventDefault();
        choice.checked = true;
        refresh();
        var next = Math.min(current + 1, list.length - 1);
        mark(next);
        list[next].focus();
      }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    mark(0);
    refresh();
    // Say what went wrong where the eye and the screen reader already are.
    var problem = document.getElementById("error-summary") || document.getElementById("conflict");
    if (problem) { problem.focus(); }
  });
})();
