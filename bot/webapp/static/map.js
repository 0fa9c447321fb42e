/* The coordinators' map (a Telegram Mini App). Everything drawn on the map is also in the
   side panel as text; the data comes from the bot with the Mini App's init data. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var texts = config.texts;
  var map = null;
  var layers = { cover: null, area: null, requests: null };
  var data = null;
  var selected = null;
  var HOUR_S = 3600;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "onclick") { node.addEventListener("click", attrs[key]); }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function telegram() {
    return window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  }

  function fragment() {
    return new URLSearchParams(window.location.hash.replace(/^#/, ""));
  }

  /* Telegram.WebApp.initData when Telegram's script is there, else the address's
     #tgWebAppData (Telegram puts it there for every Mini App it opens). */
  function initData() {
    var app = telegram();
    if (app && app.initData) { return app.initData; }
    return fragment().get("tgWebAppData") || "";
  }

  /* Telegram's script sets --tg-theme-* itself; without it, the same colours are read
     from #tgWebAppThemeParams so the page still follows the chat's theme. */
  function applyTheme() {
    var app = telegram();
    var params = app ? app.themeParams : null;
    if (!params) {
      try { params = JSON.parse(fragment().get("tgWebAppThemeParams") || "null"); }
      catch (error) { params = null; }
    }
    if (!params) { return; }
    Object.keys(params).forEach(function (key) {
      document.documentElement.style.setProperty(
        "--tg-theme-" + key.replace(/_/g, "-"), String(params[key]));
    });
  }

  function onTelegramReady() {
    var app = telegram();
    if (!app) { return; }
    app.ready();
    app.expand();
    applyTheme();
    if (app.onEvent) {
      app.onEvent("themeChanged", applyTheme);
      app.onEvent("viewportChanged", function () { if (map) { map.invalidateSize(); } });
    }
  }

  function say(message) { $("status").textContent = message || ""; }

  function api(method, path, body) {
    var options = {
      method: method,
      headers: { "Authorization": "tma " + initData() },
      cache: "no-store"
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(config.api + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, json: json };
      });
    });
  }

  function setLabels() {
    document.title = texts.title;
    $("panel-title").textContent = texts.title;
    $("requests-title").textContent = texts.requests;
    $("cover-title").textContent = texts.cover;
    $("kind-label").textContent = texts.show_kind;
    $("approximate").textContent = texts.approximate;
    var kind = $("kind");
    var chosen = kind.value || "any";
    kind.textContent = "";
    kind.appendChild(el("option", { value: "any", text: texts.any_kind }));
    Object.keys(texts.categories).forEach(function (code) {
      kind.appendChild(el("option", { value: code, text: texts.categories[code] }));
    });
    kind.value = chosen;
    var legend = $("legend");
    legend.textContent = "";
    [["gap", texts.legend_gap], ["covered", texts.legend_covered],
     ["open", texts.legend_open], ["old", texts.legend_old],
     ["claimed", texts.legend_claimed]].forEach(function (entry) {
      legend.appendChild(el("li", {}, [
        el("span", { "class": "swatch swatch-" + entry[0], "aria-hidden": "true" }),
        el("span", { text: entry[1] })
      ]));
    });
  }

  function startMap() {
    if (typeof window.L === "undefined") { return; }
    map = window.L.map("map", { zoomControl: true, attributionControl: true });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.setView([51.5, -0.1], 13);
    // Tiles may not load (no internet, a blocked server): the layers still draw on the
    // page's own background.
    window.L.tileLayer(config.tiles, {
      maxZoom: 19,
      attribution: config.attribution
    }).addTo(map);
  }

  function coverCount(properties, kind) {
    return kind === "any" ? properties.volunteers : properties.by_category[kind];
  }

  function requestClass(properties) {
    var old = properties.overdue || properties.age_s >= HOUR_S;
    return "request-marker status-" + properties.status + (old ? " old" : "");
  }

  function styleCells() {
    if (!layers.cover) { return; }
    var kind = $("kind").value || "any";
    layers.cover.eachLayer(function (layer) {
      var count = coverCount(layer.feature.properties, kind);
      var path = layer.getElement ? layer.getElement() : null;
      layer.setStyle({
        fillOpacity: count === 0 ? 0.35 : Math.min(0.1 + count * 0.08, 0.5),
        fillColor: count === 0 ? "#d7263d" : "#2a9d8f"
      });
      if (path) {
        path.classList.toggle("gap", count === 0);
        path.classList.toggle("covered", count > 0);
      }
    });
    var gaps = data ? data.summary.gaps[kind] : 0;
    document.body.setAttribute("data-gaps", String(gaps));
  }

  function draw() {
    var features = data.features;
    var requests = features.filter(function (f) { return f.properties.kind === "request"; });
    var cells = features.filter(function (f) { return f.properties.kind === "cover"; });
    var area = features.filter(function (f) { return f.properties.kind === "area"; });
    if (map) {
      Object.keys(layers).forEach(function (key) {
        if (layers[key]) { map.removeLayer(layers[key]); layers[key] = null; }
      });
      layers.cover = window.L.geoJSON(cells, {
        style: function () { return { className: "cell", weight: 0.5, color: "#888", opacity: 0.4 }; },
        onEachFeature: function (feature, layer) {
          layer.on("click", function () { showCell(feature.properties); });
        }
      }).addTo(map);
      layers.area = window.L.geoJSON(area, {
        style: function () {
          return { className: "area", weight: 2, color: "#444", fill: false, dashArray: "6 4" };
        },
        interactive: false
      }).addTo(map);
      // Requests in the same square share a point: stack them so each can be clicked.
      var stacked = {};
      layers.requests = window.L.layerGroup(requests.map(function (feature) {
        var p = feature.properties;
        var c = feature.geometry.coordinates;
        var key = c[0] + "," + c[1];
        var below = stacked[key] || 0;
        stacked[key] = below + 1;
        var marker = window.L.marker([c[1], c[0]], {
          icon: window.L.divIcon({
            className: requestClass(p),
            html: "<span>#" + Number(p.id) + "</span>",
            iconSize: [44, 24],
            iconAnchor: [22, 12 - below * 26]
          }),
          title: p.texts.title,
          alt: p.texts.title,
          keyboard: true,
          riseOnHover: true
        });
        marker.on("click", function () { showCard(p.id); });
        return marker;
      })).addTo(map);
      var bounds = area.length ? layers.area.getBounds() : null;
      if (!bounds && requests.length) {
        bounds = window.L.latLngBounds(requests.map(function (f) {
          return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
        }));
      }
      if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [8, 8], maxZoom: 16 }); }
      styleCells();
    }
    panel(requests);
    document.body.setAttribute("data-requests", String(requests.length));
    document.body.setAttribute("data-state", "ready");
  }

  function panel(requests) {
    var figures = $("figures-requests");
    figures.textContent = "";
    data.panel.requests.forEach(function (line) { figures.appendChild(el("li", { text: line })); });
    var list = $("request-list");
    list.textContent = "";
    if (!requests.length) { list.appendChild(el("li", { text: texts.no_requests })); }
    requests.forEach(function (feature) {
      var p = feature.properties;
      list.appendChild(el("li", {}, [el("button", {
        type: "button",
        "class": "request-item " + requestClass(p).replace("request-marker ", ""),
        "data-request": String(p.id),
        text: p.texts.title + " · " + p.texts.lines.join(" · "),
        onclick: function () { showCard(p.id); }
      })]));
    });
    var cover = $("figures-cover");
    cover.textContent = "";
    if (!data.panel.cover.length) { cover.appendChild(el("li", { text: texts.no_area })); }
    data.panel.cover.forEach(function (line) { cover.appendChild(el("li", { text: line })); });
  }

  function showCell(properties) {
    var parts = [texts.any_kind + ": " + properties.volunteers];
    Object.keys(texts.categories).forEach(function (code) {
      parts.push(texts.categories[code] + ": " + properties.by_category[code]);
    });
    say(parts.join(" · "));
  }

  function findRequest(id) {
    var found = data.features.filter(function (f) {
      return f.properties.kind === "request" && f.properties.id === id;
    });
    return found.length ? found[0].properties : null;
  }

  function button(label, action, extraClass) {
    return el("button", { type: "button", "class": extraClass || "", text: label, onclick: action });
  }

  function showCard(id) {
    selected = id;
    var p = findRequest(id);
    var card = $("card");
    card.textContent = "";
    if (!p) { card.hidden = true; return; }
    card.appendChild(el("h2", { text: p.texts.title }));
    card.appendChild(el("ul", {}, p.texts.lines.map(function (line) {
      return el("li", { text: line });
    })));
    var actions = el("div", { "class": "actions" });
    if (p.status === "open") {
      actions.appendChild(button(texts.ask_everyone, function () { act("ask-everyone"); }, "primary"));
      actions.appendChild(button(texts.hand_over, chooseVolunteer));
    }
    actions.appendChild(button(texts.close, confirmClose, "danger"));
    card.appendChild(actions);
    card.hidden = false;
    card.focus();
  }

  function confirmClose() {
    var card = $("card");
    var actions = card.querySelector(".actions");
    actions.textContent = "";
    actions.appendChild(el("p", { text: texts.close_confirm }));
    actions.appendChild(button(texts.close_yes, function () { act("close"); }, "danger"));
    actions.appendChild(button(texts.keep, function () { showCard(selected); }));
  }

  function chooseVolunteer() {
    say(texts.working);
    api("GET", "/requests/" + selected + "/choices").then(function (answer) {
      say(answer.json.message || "");
      if (!answer.json.ok) { return; }
      var actions = $("card").querySelector(".actions");
      actions.textContent = "";
      actions.appendChild(el("p", { text: texts.choose }));
      answer.json.choices.forEach(function (choice) {
        actions.appendChild(button(choice.label, function () {
          act("assign", { volunteer_id: choice.volunteer_id });
        }));
      });
      actions.appendChild(button(texts.back, function () { showCard(selected); }));
    }, function () { say(texts.failed); });
  }

  function act(action, body) {
    say(texts.working);
    api("POST", "/requests/" + selected + "/" + action, body || {}).then(function (answer) {
      var message = answer.json.message || texts.failed;
      return load().then(function () {
        say(message);
        document.body.setAttribute("data-last-action", action + ":" + (answer.json.ok ? "ok" : "no"));
        if (findRequest(selected)) { showCard(selected); } else { $("card").hidden = true; }
      });
    }, function () { say(texts.failed); });
  }

  function load() {
    return api("GET", "/map").then(function (answer) {
      if (answer.status === 401 || answer.status === 403) {
        say(answer.status === 401 ? texts.unauthorised : texts.forbidden);
        document.body.setAttribute("data-state", "refused-" + answer.status);
        return;
      }
      if (answer.status !== 200) { throw new Error("status " + answer.status); }
      data = answer.json;
      texts = data.texts;
      setLabels();
      say("");
      draw();
    }).catch(function () {
      say(texts.failed);
      document.body.setAttribute("data-state", "failed");
      var status = $("status");
      status.appendChild(document.createTextNode(" "));
      status.appendChild(button(texts.retry, function () { load(); }));
    });
  }

  function start() {
    applyTheme();
    var script = document.getElementById("telegram-script");
    if (telegram()) { onTelegramReady(); }
    else if (script) { script.addEventListener("load", onTelegramReady); }
    setLabels();
    say(texts.loading);
    startMap();
    $("kind").addEventListener("change", styleCells);
    load();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
