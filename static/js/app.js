// CX Hub's own behaviour: keyboard shortcuts, toasts, list cursor. No inline scripts (strict CSP).
(function () {
  "use strict";

  const typing = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

  // Toasts: dismiss on click, hide by themselves after a while.
  function wireToasts(root) {
    root.querySelectorAll(".toast").forEach((toast) => {
      if (toast.dataset.wired) return;
      toast.dataset.wired = "1";
      toast.querySelector("[data-dismiss]")?.addEventListener("click", () => toast.remove());
      if (toast.hasAttribute("data-autohide")) setTimeout(() => toast.remove(), 6000);
    });
  }

  // A keyboard cursor over list rows ([data-row] links): j / k move, Enter / o open.
  function rows() {
    return Array.from(document.querySelectorAll("[data-row]"));
  }
  function moveCursor(step) {
    const all = rows();
    if (!all.length) return;
    let index = all.findIndex((r) => r.classList.contains("is-cursor"));
    all[index]?.classList.remove("is-cursor");
    index = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    all[index].classList.add("is-cursor");
    all[index].focus({ preventScroll: false });
  }

  function focusFirst(selector, event) {
    const target = document.querySelector(selector);
    if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({ block: "nearest" }); }
  }

  let pendingG = false;
  document.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey || typing(event.target)) return;
    const help = document.getElementById("keyboard-help");
    if (pendingG) {
      pendingG = false;
      const target = { i: "inbox", c: "contacts", s: "settings" }[event.key];
      const link = target && document.querySelector(`[data-nav="${target}"]`);
      if (link) { event.preventDefault(); window.location = link.href; }
      return;
    }
    switch (event.key) {
      case "g": pendingG = true; setTimeout(() => (pendingG = false), 1200); break;
      case "j": event.preventDefault(); moveCursor(1); break;
      case "k": event.preventDefault(); moveCursor(-1); break;
      case "o":
      case "Enter": {
        const current = document.querySelector("[data-row].is-cursor");
        if (current) { event.preventDefault(); window.location = current.href; }
        break;
      }
      case "/": {
        const search = document.querySelector("[data-search]");
        if (search) { event.preventDefault(); search.focus(); search.select?.(); }
        break;
      }
      case "u": {
        const back = document.querySelector("[data-back]");
        if (back) { event.preventDefault(); window.location = back.href; }
        break;
      }
      case "?": if (help) { event.preventDefault(); help.showModal(); } break;
      case "n": focusFirst("[data-note]", event); break;
      case "r": focusFirst("[data-reply]", event); break;
      case "a": focusFirst('[data-shortcut="a"]', event); break;
      case "s": focusFirst('[data-shortcut="s"]', event); break;
      case "e": {
        const resolve = document.querySelector('[data-shortcut="e"]');
        if (resolve) { event.preventDefault(); resolve.click(); }
        break;
      }
    }
  });

  document.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog")?.close();
  });

  // Filter forms submit when a select changes (no inline handlers under CSP).
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-autosubmit] select, select[data-autosubmit]")) {
      event.target.form?.requestSubmit();
    }
  });

  // Bulk selection: count the checked rows; `x` toggles the row under the keyboard cursor.
  function updateBulk() {
    const bar = document.querySelector("[data-bulk]");
    if (!bar) return;
    const checked = document.querySelectorAll('input.row-check:checked').length;
    bar.classList.toggle("has-selection", checked > 0);
    const label = bar.querySelector("[data-bulk-count]");
    if (label) label.textContent = checked ? `${checked} selected` : "Select conversations to change several at once";
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("input.row-check")) updateBulk();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "x" || typing(event.target) || event.metaKey || event.ctrlKey) return;
    const box = document.querySelector("[data-row].is-cursor")?.closest(".thread-item")?.querySelector(".row-check");
    if (box) { event.preventDefault(); box.checked = !box.checked; updateBulk(); }
  });

  // A live update re-renders the conversation: quoted history a reader opened stays open.
  let openQuotes = [];
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.target.id !== "conversation") return;
    openQuotes = Array.from(event.target.querySelectorAll("details.msg-quoted[open]"))
      .map((quote) => quote.closest("article")?.id)
      .filter(Boolean);
  });
  document.addEventListener("htmx:afterSettle", () => {
    openQuotes.forEach((id) => document.getElementById(id)?.querySelector("details.msg-quoted")?.setAttribute("open", ""));
    openQuotes = [];
  });

  document.addEventListener("DOMContentLoaded", () => wireToasts(document));
  document.addEventListener("htmx:afterSwap", (event) => { wireToasts(event.target); updateBulk(); });
  // A live refresh must not wipe a selection in progress: skip polls while rows are checked.
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.id === "thread-list" && document.querySelector("input.row-check:checked")) {
      event.preventDefault();
    }
  });
})();
