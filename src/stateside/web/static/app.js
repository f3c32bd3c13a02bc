// Stateside dashboard: draw the Plotly figures embedded as JSON, follow jobs. No inline scripts.
(function () {
  "use strict";

  function csrfToken() {
    var m = document.cookie.match(/(?:^|; )stateside_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  window.stateside = { csrfToken: csrfToken };

  function drawFigures() {
    var divs = document.querySelectorAll("[data-figure]");
    divs.forEach(function (div) {
      var src = document.getElementById(div.getAttribute("data-figure"));
      if (!src || !window.Plotly) { return; }
      var fig = JSON.parse(src.textContent);
      window.Plotly.newPlot(div, fig.data, fig.layout || {}, { responsive: true, displaylogo: false })
        .then(function () { div.setAttribute("data-rendered", "true"); });
    });
  }

  var FINISHED = { succeeded: true, failed: true, cancelled: true, interrupted: true };

  function followJob(box) {
    var id = box.getAttribute("data-job");
    var bar = box.querySelector("progress");
    var stage = box.querySelector("[data-stage]");
    var status = box.querySelector("[data-status]");
    var error = box.querySelector("[data-error]");
    var result = box.querySelector("[data-result]");
    function show(job) {
      bar.value = job.progress;
      stage.textContent = job.stage || "";
      status.textContent = job.status;
      status.className = "status-" + job.status;
      if (job.error) { error.textContent = job.error; error.hidden = false; }
      if (job.run_id) { result.href = "/runs/" + job.run_id; result.hidden = false; }
    }
    function tick() {
      fetch("/api/jobs/" + id, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) { error.textContent = res.body.detail || res.body.title; error.hidden = false; return; }
          show(res.body);
          if (res.body.status === "succeeded" && res.body.run_id) {
            window.location.assign("/runs/" + res.body.run_id);
          } else if (!FINISHED[res.body.status]) {
            window.setTimeout(tick, 700);
          }
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    if (!FINISHED[status.textContent.trim()]) { tick(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawFigures();
    document.querySelectorAll("[data-job]").forEach(followJob);
  });
})();
