// The reply composer: saved replies (picker and /shortcut), SMS segment counter, Ctrl+Enter.
(function () {
  "use strict";

  // GSM 03.38 basic set (+ extension table, which costs two septets): decides 160 vs 70 per SMS.
  const GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const GSM_EXT = "^{}\\[~]|€";

  function smsSegments(text) {
    let septets = 0;
    let unicode = false;
    for (const ch of text) {
      if (GSM.includes(ch)) septets += 1;
      else if (GSM_EXT.includes(ch)) septets += 2;
      else { unicode = true; break; }
    }
    if (unicode) {
      const units = [...text].length;
      return { encoding: "Unicode", chars: units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
    }
    return { encoding: "GSM-7", chars: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }

  function insertAtCursor(area, text) {
    const start = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? area.value.length;
    area.value = area.value.slice(0, start) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + text.length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    area.focus();
  }

  function savedReplies() {
    const node = document.getElementById("saved-replies-data");
    return node ? JSON.parse(node.textContent) : {};
  }

  function wire(form) {
    const area = form.querySelector("[data-reply]");
    if (!area || form.dataset.wired) return;
    form.dataset.wired = "1";
    const replies = savedReplies();
    const picker = form.querySelector("[data-saved-reply]");
    const shortcuts = {};
    picker?.querySelectorAll("option[data-shortcut]").forEach((option) => {
      if (option.dataset.shortcut) shortcuts[option.dataset.shortcut] = option.value;
    });

    picker?.addEventListener("change", () => {
      if (picker.value && replies[picker.value]) insertAtCursor(area, replies[picker.value]);
      picker.value = "";
    });

    const counter = form.querySelector("[data-sms-counter]");
    const count = () => {
      if (!counter) return;
      const info = smsSegments(area.value);
      counter.textContent = area.value
        ? `${info.chars} characters · ${info.segments} SMS${info.segments > 1 ? " segments" : ""} (${info.encoding})`
        : "";
    };

    area.addEventListener("input", count);
    // Presence: the next heartbeat says "replying" (the server keeps that for a few seconds).
    area.addEventListener("input", () => document.getElementById("presence")?.setAttribute("hx-vals", '{"state": "replying"}'));
    area.addEventListener("keydown", (event) => {
      // "/refund" then space or Tab: expand the saved reply with that shortcut.
      if ((event.key === " " || event.key === "Tab") && area.selectionStart === area.selectionEnd) {
        const before = area.value.slice(0, area.selectionStart);
        const match = before.match(/(?:^|\s)\/([\w-]+)$/);
        if (match && shortcuts[match[1]] && replies[shortcuts[match[1]]]) {
          event.preventDefault();
          area.selectionStart = area.selectionStart - match[1].length - 1;
          insertAtCursor(area, replies[shortcuts[match[1]]]);
        }
      }
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    form.addEventListener("submit", () => {
      // The idempotency key already makes a second submit harmless; this just says so.
      const button = form.querySelector("[data-send]");
      if (button) { button.disabled = true; button.textContent = "Sending…"; }
    });
    count();
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("[data-composer]").forEach(wire));
})();
