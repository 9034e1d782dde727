// The Reports page: the period/filter form and the Chart.js charts. No inline scripts (strict CSP):
// the series come from the <script type="application/json" id="report-data"> element that the
// template renders with Django's json_script filter.
(function () {
  "use strict";

  // --- Filters: presets and selects apply at once; "Custom range" reveals the date inputs.
  function wireFilters() {
    const form = document.querySelector("[data-report-filters]");
    if (!form) return;
    const period = form.elements.period;
    const dates = form.querySelector("[data-custom-dates]");
    const custom = () => period.value === "custom";
    const datesReady = () => form.elements.start.value && form.elements.end.value;

    // Hidden dates are disabled too, so a preset's URL carries no stale dates.
    const showDates = (on) => {
      dates.hidden = !on;
      form.elements.start.disabled = form.elements.end.disabled = !on;
    };
    showDates(custom());
    period.addEventListener("change", () => {
      showDates(custom());
      if (custom()) form.elements.start.focus();
      else form.requestSubmit();
    });
    for (const name of ["team", "channel"]) {
      form.elements[name].addEventListener("change", () => {
        if (!custom() || datesReady()) form.requestSubmit();
      });
    }
    for (const name of ["start", "end"]) {
      form.elements[name].addEventListener("change", () => {
        period.value = "custom";
      });
    }
  }

  // --- Durations: the same wording as the tables ("2 h 14 min"), and an axis unit that fits.
  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    let minutes = Math.round(seconds / 60);
    if (minutes < 1) return "< 1 min";
    if (minutes < 60) return `${minutes} min`;
    let hours = Math.floor(minutes / 60);
    minutes %= 60;
    if (hours < 24) return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
    const days = Math.floor(hours / 24);
    hours %= 24;
    return hours ? `${days} d ${hours} h` : `${days} d`;
  }

  function durationUnit(series) {
    const max = Math.max(0, ...series.flat().filter((v) => v !== null));
    if (max < 2 * 3600) return { size: 60, label: "min" };
    if (max < 72 * 3600) return { size: 3600, label: "h" };
    return { size: 86400, label: "d" };
  }

  function css(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) new window.Chart(canvas, config);
  }

  function baseOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true } },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: { beginAtZero: true, grid: { color: css("--border", "#e4e7ec") } },
      },
    };
  }

  // Plotted in the unit that fits (so the axis gets round ticks); tooltips show exact durations.
  function durationChart(id, labels, stats, color, tint) {
    const unit = durationUnit([stats.median, stats.p90]);
    const scaled = (series) => series.map((v) => (v === null ? null : v / unit.size));
    const options = baseOptions();
    options.scales.y.ticks = { callback: (v) => `${v} ${unit.label}` };
    options.plugins.legend.labels.usePointStyle = false;
    options.plugins.tooltip = {
      callbacks: {
        label: (item) => `${item.dataset.label}: ${formatDuration(item.dataset.seconds[item.dataIndex])}`,
        footer: (items) => (items.length ? `n = ${stats.n[items[0].dataIndex]}` : ""),
      },
    };
    const line = {
      borderWidth: 2, pointRadius: 0, pointHoverRadius: 4, spanGaps: true, cubicInterpolationMode: "monotone",
    };
    draw(id, {
      type: "line",
      data: {
        labels,
        datasets: [
          {
            ...line, label: "Median", data: scaled(stats.median), seconds: stats.median,
            borderColor: color, backgroundColor: color,
          },
          {
            ...line, label: "p90", data: scaled(stats.p90), seconds: stats.p90,
            borderColor: tint, backgroundColor: tint, borderDash: [5, 4], borderWidth: 1.5,
          },
        ],
      },
      options,
    });
  }

  function drawCharts() {
    const source = document.getElementById("report-data");
    if (!source) return;
    if (!window.Chart) {
      // The vendored library is missing (run `make install`): the tables below still hold the data.
      document.querySelectorAll(".chart-box").forEach((box) => {
        box.textContent = "Charts need static/vendor/chart.umd.min.js (run make install).";
        box.classList.add("chart-missing");
      });
      return;
    }
    const data = JSON.parse(source.textContent);
    const Chart = window.Chart;
    Chart.defaults.font.family = css("--font", "system-ui, sans-serif");
    Chart.defaults.font.size = 12;
    Chart.defaults.color = css("--text-2", "#475467");
    const brand = css("--brand", "#5b4bdb");

    const volume = baseOptions();
    volume.scales.x.stacked = true;
    volume.scales.y.stacked = true;
    volume.scales.y.ticks = { precision: 0 };
    draw("chart-volume", {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.volume.map((s) => ({
          label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 2, maxBarThickness: 28,
        })),
      },
      options: volume,
    });

    durationChart("chart-first-response", data.labels, data.firstResponse, brand, "#a49af0");
    durationChart("chart-resolution", data.labels, data.resolution, css("--ok", "#067647"), "#6ccf9f");

    const backlog = baseOptions();
    backlog.scales.y.ticks = { precision: 0 };
    backlog.plugins.legend.display = false;
    draw("chart-backlog", {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [{
          label: "Open at end of day", data: data.backlog, borderColor: css("--warn", "#b54708"),
          backgroundColor: "rgba(247, 144, 9, 0.12)", fill: true, borderWidth: 2, pointRadius: 0,
          pointHoverRadius: 4, cubicInterpolationMode: "monotone",
        }],
      },
      options: backlog,
    });

    if (data.sla) {
      const sla = baseOptions();
      sla.scales.y.max = 100;
      sla.scales.y.ticks = { callback: (v) => `${v}%` };
      sla.plugins.tooltip = {
        callbacks: { label: (item) => `${item.dataset.label}: ${item.raw === null ? "—" : item.raw + "%"}` },
      };
      draw("chart-sla", {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            {
              label: "First response", data: data.sla.response, borderColor: brand,
              backgroundColor: brand, borderWidth: 2, pointRadius: 2, spanGaps: true,
            },
            {
              label: "Resolution", data: data.sla.resolution, borderColor: css("--ok", "#067647"),
              backgroundColor: css("--ok", "#067647"), borderWidth: 2, pointRadius: 2, spanGaps: true,
            },
          ],
        },
        options: sla,
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    wireFilters();
    drawCharts();
  });
})();
