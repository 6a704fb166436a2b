// Rampart dashboard: draws the charts whose data the page carries in `data-chart` attributes
// (no inline script, so the Content-Security-Policy can forbid them).
(function () {
  "use strict";
  var SEV = ["critical", "high", "medium", "low", "info"];
  var SEV_COLORS = { critical: "#b3261e", high: "#e0641b", medium: "#d49b0b", low: "#3a78c2", info: "#8591a3" };
  var BAND_COLORS = ["#9fb7d3", "#8aa9cc", "#6f97c4", "#3a78c2", "#5b6fa8", "#d49b0b", "#e08a1b", "#e0641b", "#c94619", "#b3261e"];

  function base() {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 12;
    Chart.defaults.color = "#4a5566";
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
  }

  var builders = {
    risk: function (d) {
      return {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [{ label: "Open issues", data: d.values, backgroundColor: BAND_COLORS, borderRadius: 3 }]
        },
        options: {
          plugins: { legend: { display: false }, tooltip: { callbacks: { title: function (i) { return "Risk " + i[0].label; } } } },
          scales: {
            x: { grid: { display: false }, title: { display: true, text: "risk score" } },
            y: { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eef1f5" } }
          }
        }
      };
    },
    severity: function (d) {
      return {
        type: "doughnut",
        data: {
          labels: SEV.map(function (s) { return s[0].toUpperCase() + s.slice(1); }),
          datasets: [{ data: d.values, backgroundColor: SEV.map(function (s) { return SEV_COLORS[s]; }), borderWidth: 1 }]
        },
        options: { cutout: "62%", plugins: { legend: { position: "right", labels: { boxWidth: 12 } } } }
      };
    },
    trend: function (d) {
      return {
        type: "line",
        data: {
          labels: d.labels,
          datasets: SEV.slice(0, 4).map(function (s, k) {
            return {
              label: s[0].toUpperCase() + s.slice(1), data: d.series[k], fill: true, stack: "open",
              borderColor: SEV_COLORS[s], backgroundColor: SEV_COLORS[s] + "55", pointRadius: 0, borderWidth: 1.5, tension: 0.15
            };
          })
        },
        options: {
          interaction: { mode: "index", intersect: false },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
          scales: {
            x: { grid: { display: false }, ticks: { maxTicksLimit: 10 } },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#eef1f5" } }
          }
        }
      };
    }
  };

  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (c) {
      if (c.dataset.drawn) return;
      var d = JSON.parse(c.dataset.chart);
      var build = builders[d.kind];
      if (!build) return;
      c.dataset.drawn = "1";
      new Chart(c, build(d));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { base(); draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
  // Forms that ask for confirmation: `data-confirm="..."`.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
  // Selects that submit their form when changed: `data-autosubmit`.
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-autosubmit]") && e.target.form) {
      if (window.htmx) { htmx.trigger(e.target.form, "submit"); } else { e.target.form.submit(); }
    }
  });
})();
