// Keyboard shortcuts for the review pages. Everything also works without this script:
// the verdicts are radio buttons with a submit button, and previous/next are links.
(function () {
  "use strict";
  // A key means the first of its verdicts that the page offers: logged queries (correct,
  // incorrect, should_abstain) or drafted items (accept, reject).
  var VERDICT_KEYS = { c: ["correct"], x: ["incorrect", "reject"], a: ["should_abstain", "accept"] };
  var FIELD_KEYS = { g: "gold", e: "evidence", t: "tags", n: "note", q: "question" };

  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || el.isContentEditable) return true;
    return tag === "input" && ["radio", "checkbox", "submit", "button", "hidden"].indexOf(el.type) < 0;
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) window.location.assign(link.href);
  }

  function decide(form, verdicts) {
    var radio = null;
    for (var i = 0; i < verdicts.length && !radio; i++) {
      radio = form.querySelector('input[name="verdict"][value="' + verdicts[i] + '"]');
    }
    if (!radio) return;
    radio.checked = true;
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    form.classList.add("saving");
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function failureMode(form, key) {
    var select = form.querySelector("#failure_mode");
    if (!select) return;
    if (key === "-") { select.selectedIndex = 0; return; }
    var n = key === "0" ? 10 : parseInt(key, 10);
    if (n < select.options.length) select.selectedIndex = n;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    if (typing(target)) {
      if (event.key === "Escape") { target.blur(); event.preventDefault(); }
      return;
    }
    var key = event.key;
    var form = document.getElementById("review-form");
    if (!form) {  // the queue page: j or Enter opens the first query to review
      if (key === "j" || key === "ArrowRight" || key === "d") {
        var start = document.querySelector(key === "d" ? "[data-key-drafts]" : "[data-key-next]");
        if (start) { event.preventDefault(); window.location.assign(start.href); }
      }
      return;
    }
    if (VERDICT_KEYS[key]) { event.preventDefault(); decide(form, VERDICT_KEYS[key]); return; }
    if (FIELD_KEYS[key]) {
      var field = document.getElementById(FIELD_KEYS[key]) || document.getElementById("evidence_other");
      if (field) { event.preventDefault(); field.focus(); if (field.select && field.type === "text") field.select(); }
      return;
    }
    if (/^[0-9-]$/.test(key)) { event.preventDefault(); failureMode(form, key); return; }
    if (key === "j" || key === "ArrowRight") { event.preventDefault(); follow("next"); return; }
    if (key === "k" || key === "ArrowLeft") { event.preventDefault(); follow("prev"); return; }
    if (key === "u") { event.preventDefault(); window.location.assign("/ui/review"); }
  });
})();
