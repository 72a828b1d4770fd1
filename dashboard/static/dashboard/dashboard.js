/* Draws the dashboard's charts with ECharts (vendored, see vendor/echarts/README.md) from the data
   each section carries in a json_script element; the table beside each chart holds the same figures. */
(function () {
  "use strict";
  var PALETTE = ["#1f5fa8", "#c0392b", "#2e7d32", "#8e44ad", "#b35c00"];

  function option(data) {
    var horizontal = data.type === "hbar";
    var categories = { type: "category", data: data.labels, axisLabel: { interval: 0, width: 160, overflow: "truncate" } };
    var values = { type: "value", max: data.max || null };
    if (!horizontal && data.labels.length > 6) {
      categories.axisLabel.rotate = 30;
    }
    return {
      color: PALETTE,
      animation: false,
      // No ECharts aria: its generated description would replace the container's label, which
      // names the chart and points at the table below it (the full alternative).
      aria: { enabled: false },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: horizontal ? 180 : 48, right: 24, top: 40, bottom: 64, containLabel: !horizontal },
      xAxis: horizontal ? values : categories,
      yAxis: horizontal ? Object.assign({}, categories, { inverse: true }) : values,
      series: data.series.map(function (series) {
        return {
          name: series.name,
          type: data.type === "line" ? "line" : "bar",
          data: series.data,
          connectNulls: true
        };
      })
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") {
      return; // the tables still show every figure
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      if (!data.labels || data.labels.length === 0) {
        element.hidden = true;
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "canvas" });
      chart.setOption(option(data));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
