// The rule builder (Settings → Rules): shows only the inputs a row's type uses, adds and removes
// rows. The form works without it: every input is shown and the server reads the relevant one.
(function () {
  "use strict";

  const MAX_ROWS = 20;

  function words(block, name) {
    return (block.dataset[name] || "").split(/\s+/).filter(Boolean);
  }

  function placeholders(block) {
    try {
      return JSON.parse(block.dataset.placeholders || "{}");
    } catch (error) {
      return {};
    }
  }

  // Hide the options of a select that do not belong to `type`; keep a valid selection
  // (`preferReal`: rather the first real option than the blank one, for operators).
  function filterOptions(select, type, preferReal) {
    if (!select) return;
    let selectedHidden = preferReal && select.value === "";
    select.querySelectorAll("option[data-for]").forEach((option) => {
      const hide = !option.dataset.for.split(" ").includes(type);
      option.hidden = hide;
      option.disabled = hide;
      if (hide && option.selected) selectedHidden = true;
    });
    select.querySelectorAll("optgroup").forEach((group) => {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
    if (selectedHidden) {
      const real = preferReal && select.querySelector("option[data-for]:not([hidden])");
      const first = real || select.querySelector("option:not([hidden])");
      select.value = first ? first.value : "";
    }
  }

  function sync(row) {
    const block = row.closest("[data-rows]");
    const typeSelect = row.querySelector("[data-row-type]");
    if (!block || !typeSelect) return;
    const type = typeSelect.value;
    const wraps = {
      op: row.querySelector('[data-wrap="op"]'),
      choice: row.querySelector('[data-wrap="choice"]'),
      text: row.querySelector('[data-wrap="text"]'),
    };
    const show = {
      op: type !== "" && words(block, "opTypes").includes(type),
      choice: words(block, "choiceTypes").includes(type),
      text: words(block, "textTypes").includes(type),
    };
    Object.entries(wraps).forEach(([key, wrap]) => {
      if (wrap) wrap.hidden = !show[key];
    });
    filterOptions(wraps.op?.querySelector("select"), type, true);
    filterOptions(wraps.choice?.querySelector("select"), type, false);
    const text = wraps.text?.querySelector("input, textarea");
    if (text) text.placeholder = placeholders(block)[type] || "";
  }

  function addRow(block) {
    const prefix = block.dataset.rows;
    const total = block.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const template = block.querySelector("template[data-empty-row]");
    const list = block.querySelector("[data-row-list]");
    if (!total || !template || !list) return;
    const index = parseInt(total.value, 10) || 0;
    if (index >= MAX_ROWS) return;
    list.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    const row = list.lastElementChild;
    wireRow(row);
    row.querySelector("[data-row-type]")?.focus();
  }

  function wireRow(row) {
    row.querySelectorAll("[data-remove-row]").forEach((button) => (button.hidden = false));
    sync(row);
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-row-type]")) {
      const row = event.target.closest("[data-rule-row]");
      if (row) sync(row);
    }
  });

  document.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      addRow(add.closest("[data-rows]"));
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      // A row with no type is ignored by the server: clear it and hide it.
      const row = remove.closest("[data-rule-row]");
      const type = row.querySelector("[data-row-type]");
      if (type) type.value = "";
      row.hidden = true;
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-rows] [data-rule-row]").forEach(wireRow);
  });
})();
