// Shared reply drafts: the composer's text is saved a second after the agent stops typing, so
// colleagues see what is being written and the agent finds it again on reopening the thread.
(function () {
  "use strict";

  const DELAY_MS = 1000;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function wire(form) {
    const area = form.querySelector("[data-reply]");
    const url = form.dataset.draftUrl;
    if (!area || !url || form.dataset.draftsWired) return;
    form.dataset.draftsWired = "1";

    const status = document.createElement("span");
    status.className = "small muted draft-status";
    status.setAttribute("aria-live", "polite");
    const tools = form.querySelector(".composer-tools");
    tools?.insertBefore(status, tools.querySelector(".spacer"));
    if (form.dataset.draftRestored && area.value) {
      status.textContent = `Your draft from ${form.dataset.draftRestored} is restored.`;
    }

    let saved = area.value;
    let timer = null;
    let inFlight = null;
    let sending = false;

    function post(text, keepalive) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: keepalive,
        headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ text: text }),
      });
    }

    async function save() {
      timer = null;
      if (sending || area.value === saved) return;
      if (inFlight) { schedule(); return; } // one save at a time, in order
      const text = area.value;
      status.textContent = "Saving draft…";
      inFlight = post(text, false);
      try {
        const response = await inFlight;
        if (!response.ok) throw new Error(String(response.status));
        saved = text;
        status.textContent = text.trim() ? "Draft saved · your team can see it" : "";
      } catch (error) {
        status.textContent = "Draft not saved (offline?)";
      } finally {
        inFlight = null;
      }
    }

    function schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, DELAY_MS);
    }

    area.addEventListener("input", schedule);
    form.addEventListener("submit", () => {
      // The reply clears the draft on the server; a late save must not bring it back.
      sending = true;
      if (timer) clearTimeout(timer);
    });
    // Leaving with unsaved text: send it anyway (keepalive outlives the page).
    window.addEventListener("pagehide", () => {
      if (!sending && area.value !== saved) {
        if (timer) clearTimeout(timer);
        post(area.value, true);
        saved = area.value;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-composer][data-draft-url]").forEach(wire);
  });
})();
